"""`cnncalc sizes` and `--rf` grow with the layers, not with layers × candidate sizes: counted
Python calls, not timed. Before, `sizes` ran one whole analysis per candidate size (a layer
fixed to one size, such as a stated `in_features`: every size of the range)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cnncalc.analysis.engine import analyze
from cnncalc.analysis.receptive import receptive_fields
from cnncalc.analysis.sizes import sizes
from cnncalc.api import load
from tests.perf.test_scaling import python_calls

BODY = {
    "chain": [
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
        "  - {type: batchnorm2d}",
        "  - {type: relu}",
    ],
    "triples": [
        "  - {type: convtranspose2d, out_channels: 8, kernel_size: 2, stride: 2}",
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}",
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}",
    ],
}


def spec(path: Path, kind: str, layers: int, fixed: bool) -> Path:
    """A chain of `layers` layers over 8×16×16; `fixed`: the classifier states in_features,
    so only 16×16 is accepted."""
    body = BODY[kind]
    lines = [f"name: {kind}", "input: {channels: 8, height: 16, width: 16}", "layers:"]
    lines += [body[i % len(body)] for i in range(layers - 2)]
    features = ", in_features: 2048" if fixed else ""
    lines += ["  - {type: flatten}", f"  - {{type: linear{features}, out_features: 10}}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("fixed", [False, True], ids=["any size", "in_features"])
def test_sizes_costs_a_few_analyses(tmp_path: Path, fixed: bool) -> None:
    small = load(spec(tmp_path / "small.yaml", "chain", 101, fixed))
    large = load(spec(tmp_path / "large.yaml", "chain", 404, fixed))
    sizes(small)  # one-off costs (validators, imports) out of the count
    one = python_calls(lambda: analyze(large))
    calls = python_calls(lambda: sizes(large))
    assert calls < 12 * one, f"sizes made {calls / one:.1f}× the calls of one analysis"
    ratio = calls / python_calls(lambda: sizes(small))
    assert ratio < 4.8, f"4× the layers made {ratio:.2f}× the calls"


def test_sizes_with_a_fixed_layer_lists_its_one_size(tmp_path: Path) -> None:
    net = load(spec(tmp_path / "fixed.yaml", "chain", 20, True))
    h, w = sizes(net).variables
    assert h.minimum == w.minimum == 16
    assert h.criteria["accepted"].sizes == w.criteria["accepted"].sizes == (16,)
    assert "linear" in h.note


def test_receptive_fields_grow_linearly(tmp_path: Path) -> None:
    small = analyze(load(spec(tmp_path / "small.yaml", "triples", 92, False)))
    large = analyze(load(spec(tmp_path / "large.yaml", "triples", 362, False)))
    receptive_fields(small)
    ratio = python_calls(lambda: receptive_fields(large)) / python_calls(
        lambda: receptive_fields(small)
    )
    assert ratio < 4.8, f"4× the layers made {ratio:.2f}× the calls"
