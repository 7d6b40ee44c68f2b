"""`cnncalc sizes` against brute force: the concrete engine at every size of a range, for
inputs whose one symbol stands on several axes (1xSxS), size-1 inputs that broadcast in add
and mul, and symbol names that the report's own `p·k + r` could take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cnncalc.analysis.engine import analyze
from cnncalc.analysis.sizes import CRITERIA, SizesReport, sizes
from cnncalc.api import load, loads, parse_input
from cnncalc.errors import SpecError
from cnncalc.layers.base import Shape
from cnncalc.spec.network import Network
from cnncalc.sym import Symbol, evaluate, free_symbols, render
from tests.codegen.strategies import networks
from tests.symbolic.kit import ZOO, spatial, with_sizes
from tests.symbolic.test_sizes import check, exact, reads_all
from tests.symbolic.windows import window_nets


def one_symbol(net: Network, name: str = "S") -> Shape:
    """The spec's input with one symbol on every spatial axis."""
    return with_sizes(net, dict.fromkeys(spatial(net), Symbol(name)))


def brute_one(net: Network, x: Shape, name: str, s: int) -> dict[str, bool]:
    """Each criterion at one size of a symbol that may stand on several axes: every axis it
    stands on must pass."""
    concrete = tuple(evaluate(d, {name: s}) for d in x)
    try:
        report = analyze(net, concrete)
    except SpecError:
        return dict.fromkeys(CRITERIA, False)
    axes = [i - 1 for i, d in enumerate(x) if name in free_symbols(d)]
    return {"accepted": True, "exact": exact(report, axes), "reads": reads_all(report, axes)}


def check_one(net: Network, x: Shape, report: SizesReport) -> None:
    lo, hi = report.range
    (v,) = report.variables
    seen = {c: [] for c in CRITERIA}  # type: dict[str, list[int]]
    for s in range(lo, hi + 1):
        for c, ok in brute_one(net, x, v.name, s).items():
            if ok:
                seen[c].append(s)
    accepted = seen["accepted"]
    assert v.minimum == (accepted[0] if accepted else None)
    for c in CRITERIA:
        a = v.criteria[c]
        assert list(a.sizes) == seen[c], (c, a.formula(v.name))
        assert [s for s in range(lo, hi + 1) if a.contains(s)] == seen[c], (c, a.formula(v.name))


SQUARE = [p for p in ZOO if p.stem in ("unet", "vgg16", "lenet5", "resnet18", "alexnet")]


@pytest.mark.parametrize("path", SQUARE, ids=lambda p: p.stem)
def test_one_symbol_on_both_axes(path: Path) -> None:
    """The issue's U-Net, VGG-16 and LeNet-5 with -i 1xSxS: no size accepted, before."""
    net = load(path)
    x = one_symbol(net)
    report = sizes(net, x, (1, 72))
    assert [v.name for v in report.variables] == ["S"]
    check_one(net, x, report)


def test_one_symbol_agrees_with_two() -> None:
    net = load(ZOO[0].parent / "unet.yaml")
    square = sizes(net, parse_input("1xSxS", net)).variables[0]
    h = sizes(net, parse_input("1xHxW", net)).variables[0]
    assert square.minimum == h.minimum == 16
    assert square.criteria["accepted"].formula("S") == "S ≥ 16, S ≡ 0 (mod 16)"


BROADCAST = """\
name: broadcast
input: {channels: 4, height: SIZE, width: SIZE}
layers:
  - {name: pool, type: conv2d, out_channels: 4, kernel_size: 1, stride: STRIDE}
  - {name: up, type: upsample, scale_factor: SCALE}
  - {name: sum, type: MERGE, from: [input, up]}
"""


@pytest.mark.parametrize(
    ("stride", "scale", "merge", "size"),
    [(256, 256, "add", 512), (4, 4, "mul", 64), (3, 3, "add", 48), (4, 2, "add", 2)],
)
def test_a_size_one_that_broadcasts(stride: int, scale: int, merge: str, size: int) -> None:
    """At H = 1 the input broadcasts against the upsampled branch: the engine accepts it, and
    the report must too (before: smallest 1, but only 256 and 512 listed)."""
    text = BROADCAST.replace("STRIDE", str(stride)).replace("SCALE", str(scale))
    text = text.replace("SIZE", str(size))
    net = loads(text.replace("MERGE", merge), "broadcast.yaml")
    report = sizes(net, span=(1, 80))
    check(net, report)
    h = report.variables[0]
    assert h.minimum is not None and h.criteria["accepted"].contains(h.minimum)


def test_the_issue_broadcast_spec_lists_the_smallest() -> None:
    net = loads(
        BROADCAST.replace("SIZE", "512")
        .replace("STRIDE", "256")
        .replace("SCALE", "256")
        .replace("MERGE", "add"),
        "b.yaml",
    )
    h = sizes(net).variables[0]
    assert h.minimum == 1
    assert h.criteria["accepted"].sizes == (1, 256, 512)
    assert h.criteria["accepted"].formula("H") == "H ∈ {1}, or H ≥ 256, H ≡ 0 (mod 256)"


def test_a_symbol_named_k_keeps_its_name() -> None:
    """`at H = 32·k + 1` names its own k, never an input's symbol (before: k = 32·k + 1)."""
    net = load(ZOO[0].parent / "resnet50.yaml")
    x = parse_input("3xkxW", net)
    report = sizes(net, x, (1, 100))
    k = report.variables[0]
    assert k.name == "k" and k.along is not None
    size, layer, shape = k.along
    (fresh,) = free_symbols(size)
    assert fresh not in ("k", "W")
    assert render(size) == f"32·{fresh} + 1"
    for t in range(3):  # the formula in `fresh` is the engine's shape at that size
        h = evaluate(size, {fresh: t})
        assert k.criteria["exact"].contains(h)
        report_at = analyze(net, (3, h, 64))
        row = next(s for s in report_at.layers if s.name == layer)
        assert tuple(evaluate(d, {fresh: t, "W": 64}) for d in shape) == row.output_shape


def _random(spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    note(text)
    net = loads(text, "random.yaml")
    if not spatial(net):
        return
    try:
        analyze(net)
    except SpecError:
        pass  # the spec's own sizes refused: `sizes` says so; the symbolic form still answers
    else:
        check(net, sizes(net, span=(1, 48)))
    if len(spatial(net)) > 1:
        x = one_symbol(net)
        check_one(net, x, sizes(net, x, (1, 48)))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=window_nets(size=(8, 40)))
def test_random_window_chains_one_symbol(spec: dict[str, Any]) -> None:
    _random(spec)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=True))
def test_random_graphs_one_symbol(spec: dict[str, Any]) -> None:
    _random(spec)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stride=st.integers(1, 6),
    scale=st.integers(1, 6),
    kernel=st.integers(1, 3),
    merge=st.sampled_from(["add", "mul"]),
    pool=st.booleans(),
)
def test_random_broadcasts(stride: int, scale: int, kernel: int, merge: str, pool: bool) -> None:
    """A branch that shrinks and grows again, merged with the input: sizes where one side is
    1 broadcast; a global pooling branch broadcasts everywhere."""
    branch = (
        [{"name": "g", "type": "adaptiveavgpool2d", "output_size": 1}]
        if pool
        else [
            {
                "name": "p",
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": kernel,
                "stride": stride,
            },
            {"name": "u", "type": "upsample", "scale_factor": scale},
        ]
    )
    last = branch[-1]["name"]
    spec = {
        "name": "b",
        "input": {"channels": 2, "height": 24, "width": 24},
        "layers": [*branch, {"name": "m", "type": merge, "from": ["input", last]}],
    }
    _random(spec)


def test_a_permute_carries_its_symbols_remainders() -> None:
    """A permute moves H to the width axis; the conv's and the pool's remainders on that axis
    are H's (a random graph: brute force read them by axis index, and disagreed)."""
    net = loads(
        "name: p\ninput: {channels: 3, height: 6, width: 10}\nlayers:\n"
        "  - {type: permute, dims: [0, 1, 3, 2]}\n"
        "  - {type: conv2d, out_channels: 2, kernel_size: 1, stride: 2}\n"
        "  - {type: subsample2d, kernel_size: 2}\n",
        "p.yaml",
    )
    report = sizes(net, span=(1, 48))
    assert {v.name: v.criteria["exact"].formula(v.name) for v in report.variables} == {
        "H": "H ≥ 3, H ≡ 3 (mod 4)",
        "W": "W ≥ 3, W ≡ 3 (mod 4)",
    }
    check(net, report)
