"""Random valid specs (hypothesis, 280 per run) must pass the same proof as the zoo: the
generated module, imported and run by torch on a random batch of 2, has cnncalc's trainable
and fixed parameter counts, its buffer elements and every named layer's output shape; and
the file passes `ruff format --check` and `ruff check`."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings

from cnncalc.api import analyze, loads
from cnncalc.codegen import generate
from cnncalc.codegen.check import compare
from tests.codegen.kit import RUFF, ruff_problems
from tests.codegen.strategies import block_networks, networks

SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=SLOW)


def prove(spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    report = analyze(loads(text, "random.yaml"))
    generated = generate(report)
    result = compare(report, generated)
    assert result.ok, "\n".join([*result.mismatches, text, generated.code])
    if RUFF is not None:
        problems = ruff_problems(generated.code)
        assert not problems, "\n".join([*problems, generated.code])


@examples(120)
@given(spec=networks(graph=False))
def test_random_sequential_nets(spec: dict[str, Any]) -> None:
    prove(spec)


@examples(100)
@given(spec=networks(graph=True))
def test_random_graphs(spec: dict[str, Any]) -> None:
    prove(spec)


@examples(60)
@given(spec=block_networks())
def test_random_blocks(spec: dict[str, Any]) -> None:
    prove(spec)


def test_local_response_norm_after_a_transpose_of_a_5d_input() -> None:
    """Found by the random tests: torch's F.local_response_norm views a 5-D input, which a
    transposed one cannot give; the generated module makes it contiguous first."""
    prove(
        {
            "name": "lrn",
            "input": {"channels": 3, "depth": 2, "height": 4, "width": 5},
            "layers": [
                {"type": "transpose", "dim0": 2, "dim1": 4},
                {"type": "localresponsenorm", "size": 2},
            ],
        }
    )
