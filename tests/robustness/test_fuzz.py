"""Bounded fuzzing in CI (a few seconds): mutated valid specs, random text and random bytes
either succeed or fail with located problems, through the library, lint and the CLI; never
another exception, which is what would reach `cnncalc: internal error`. fuzz/fuzz_specs.py
runs the same mutations for millions of inputs; what it found is kept in regressions/.

ROBUSTNESS_EXAMPLES scales the example counts (e.g. 20 for a long local run).
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnncalc.errors import SpecError
from cnncalc.spec.yamlpos import decode, parse_text
from robustness.kit import cli
from robustness.mutate import dump, mutate_data, mutate_text
from robustness.oracle import ROOT, check_problem, lint_text, run_text

SCALE = int(os.environ.get("ROBUSTNESS_EXAMPLES", "1"))
SEEDS = [
    p
    for p in [
        *sorted((ROOT / "fuzz" / "seeds").glob("*.yaml")),
        ROOT / "specs" / "lenet5.yaml",
        ROOT / "specs" / "resnet18.yaml",
        ROOT / "specs" / "squeezenet1_1.yaml",
    ]
    if p.exists()
]
TEXTS = {p: p.read_text(encoding="utf-8") for p in SEEDS}
DATA = {p: parse_text(t, str(p)).data for p, t in TEXTS.items()}
REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.yaml"))


def fuzz_settings(n: int) -> settings:
    return settings(
        max_examples=n * SCALE,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


seed_files = st.sampled_from(SEEDS)


@fuzz_settings(150)
@given(seed=seed_files, rng=st.randoms(use_true_random=False), steps=st.integers(1, 5))
def test_mutated_specs_succeed_or_fail_located(seed: Path, rng: random.Random, steps: int) -> None:
    text = dump(mutate_data(rng, DATA[seed], steps))
    run_text(text, str(seed), render=rng.random() < 0.3, table=False)


@fuzz_settings(150)
@given(seed=seed_files, rng=st.randoms(use_true_random=False), steps=st.integers(1, 6))
def test_mutated_text_succeeds_or_fails_located(seed: Path, rng: random.Random, steps: int) -> None:
    run_text(mutate_text(rng, TEXTS[seed], steps), str(seed), render=False)


@fuzz_settings(100)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text_is_parsed_or_located(text: str) -> None:
    run_text(text, "random.yaml", render=False)


@fuzz_settings(100)
@given(raw=st.binary(max_size=300))
def test_random_bytes_are_decoded_or_located(raw: bytes) -> None:
    try:
        text = decode(raw, "bytes.yaml")
    except SpecError as err:
        for p in err.problems:
            check_problem(p)
        return
    run_text(text, "bytes.yaml", render=False)


@fuzz_settings(25)
@given(seed=seed_files, rng=st.randoms(use_true_random=False), steps=st.integers(1, 4))
def test_lint_reports_and_never_raises(
    tmp_path_factory: pytest.TempPathFactory, seed: Path, rng: random.Random, steps: int
) -> None:
    folder = tmp_path_factory.mktemp("lint")
    text = (
        dump(mutate_data(rng, DATA[seed], steps))
        if rng.random() < 0.5
        else mutate_text(rng, TEXTS[seed], steps)
    )
    lint_text(text.replace("include:", "x_include:"), folder)  # includes resolve beside seeds


@fuzz_settings(8)
@given(seed=seed_files, rng=st.randoms(use_true_random=False), steps=st.integers(1, 4))
def test_codegen_on_mutated_specs_is_python_or_located(
    seed: Path, rng: random.Random, steps: int
) -> None:
    run_text(dump(mutate_data(rng, DATA[seed], steps)), str(seed), render=False, codegen=True)


def test_the_cli_on_mutated_specs_exits_1_or_0_without_traceback(tmp_path: Path) -> None:
    rng = random.Random(2024)
    for k in range(4):  # real processes: exit codes and stderr as a user sees them
        seed = SEEDS[k % len(SEEDS)]
        text = dump(mutate_data(rng, DATA[seed], 2)) if k % 2 else mutate_text(rng, TEXTS[seed], 3)
        spec = seed.parent / f".robustness-{os.getpid()}-{k}.yaml"  # beside it: includes resolve
        spec.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            run = cli("params", str(spec), "--format", "json")
        finally:
            spec.unlink()
        assert run.code in (0, 1), run.err
        if run.code == 1:
            assert run.err and all(f"{spec}:" in line for line in run.err.splitlines()), run.err


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_inputs_that_once_crashed(path: Path) -> None:
    """Each file here once crashed or hung cnncalc (see its first line); now it must not."""
    text = path.read_text(encoding="utf-8")
    run_text(text, str(path), render=True, table=True, codegen=True)
