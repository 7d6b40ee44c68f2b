"""The Hypothesis profile (tests/conftest.py): CI runs are derandomized, local runs are not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import profile
from hypothesis import given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]


def test_profile_follows_the_environment() -> None:
    assert profile({}) == "default"
    assert profile({"CI": "true"}) == profile({"CI": "1"}) == "ci"
    assert profile({"CI": "false"}) == profile({"CI": ""}) == "default"
    assert profile({"CI": "true", "HYPOTHESIS_PROFILE": "default"}) == "default"


def test_the_loaded_profile_is_the_environments() -> None:
    current = settings.default
    ci = profile(os.environ) == "ci"
    assert current.derandomize is ci
    if ci:
        assert current.database is None and current.deadline is None and current.print_blob


@given(st.integers(), st.text())
def test_draws(n: int, s: str) -> None:
    """Records what Hypothesis drew where DRAWS names a file (the test below runs it)."""
    if os.environ.get("DRAWS"):
        with open(os.environ["DRAWS"], "a", encoding="utf-8") as f:
            f.write(f"{n!r} {s!r}\n")


def draws(tmp_path: Path, run: int, **env: str) -> str:
    out = tmp_path / f"draws-{run}.txt"
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "HYPOTHESIS_PROFILE")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", f"{__file__}::test_draws", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env={**environ, **env, "DRAWS": str(out)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text(encoding="utf-8")


def test_ci_runs_draw_the_same_examples(tmp_path: Path) -> None:
    first = draws(tmp_path, 1, CI="true")
    assert first.count("\n") >= 50 and first == draws(tmp_path, 2, CI="true")
