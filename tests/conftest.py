"""Suite-wide settings. Hypothesis: in CI (the environment variable CI set, as CI services and
.ci/run set it) the `ci` profile, so a run is reproducible: examples are derived from each
test's name (derandomize) rather than drawn at random, no example database carries state
between runs, no deadline or too-slow health check fails a test on a loaded runner, and a
failure prints the blob that replays it (@reproduce_failure). Local runs keep Hypothesis's
default (random, so they explore); HYPOTHESIS_PROFILE=ci (or =default) picks one explicitly."""

from __future__ import annotations

import os
from collections.abc import Mapping

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    print_blob=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    # no `explain` phase: it re-runs a failure's examples under a tracer, minutes for a slow one
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


def profile(environ: Mapping[str, str]) -> str:
    """The Hypothesis profile for an environment: HYPOTHESIS_PROFILE if set, else `ci` where
    CI is set to anything but an empty string, 0 or false."""
    if environ.get("HYPOTHESIS_PROFILE"):
        return environ["HYPOTHESIS_PROFILE"]
    ci = environ.get("CI", "").strip().lower()
    return "ci" if ci not in ("", "0", "false", "no") else "default"


settings.load_profile(profile(os.environ))
