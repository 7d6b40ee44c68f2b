"""`cnncalc sizes`: the closed forms found by reasoning over the layers' windows are checked
by brute force over the range (the concrete engine at every size, and each layer's divisions
at that size), for the zoo, U-Net and random window chains; the sizes a U-Net takes and the
input rows a network reads are checked against torch itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, note, settings

from cnncalc.analysis.engine import LayerStats, Report, analyze
from cnncalc.analysis.sizes import CRITERIA, SizesReport, sizes
from cnncalc.api import load, loads
from cnncalc.errors import SpecError
from cnncalc.layers.permute import Reorder
from cnncalc.spec.network import INPUT, Network
from tests.codegen.strategies import networks
from tests.symbolic.kit import ZOO, spatial, with_sizes
from tests.symbolic.windows import window_nets


def brute(net: Network, values: dict[str, int], axis: int) -> dict[str, bool]:
    """Each criterion at one size, along one spatial axis, from the concrete engine and each
    layer's divisions at that size."""
    try:
        report = analyze(net, with_sizes(net, values))
    except SpecError:
        return dict.fromkeys(CRITERIA, False)
    return {"accepted": True, "exact": exact(report, [axis]), "reads": reads_all(report, [axis])}


def along(report: Report, axes: list[int]) -> Iterator[tuple[LayerStats, list[int]]]:
    """Each layer whose input has the network input's rank, with the spatial positions of
    its input that hold one of the input's spatial `axes`: a permute or transpose moves an
    axis, and its remainders go with it; any other layer keeps the order."""
    rank = len(report.input_shape)
    origin: dict[str, list[int]] = {INPUT: list(range(rank))}
    for s in report.layers:
        x = s.input_shapes[0]
        came = origin.get(s.node.inputs[0], list(range(len(x))))
        layer = s.node.layer
        if isinstance(layer, Reorder):
            origin[s.name] = [came[a] for a in layer.order(x)]
        elif len(s.output_shape) == len(x):
            origin[s.name] = came
        if len(s.input_shapes) == 1 and len(x) == rank:
            yield s, [k - 1 for k, o in enumerate(came) if k and o - 1 in axes]


def exact(report: Report, axes: list[int]) -> bool:
    for s, where in along(report, axes):
        pairs = list(s.node.layer.exact_divisions(s.input_shapes[0]))
        if any(a < len(pairs) and pairs[a][0] % pairs[a][1] for a in where):
            return False
    return True


def reads_all(report: Report, axes: list[int]) -> bool:
    """No window leaves input rows past its last window, beyond its padding and beyond the
    gaps its stride leaves anyway (lint's W201, written out again here)."""
    for s, where in along(report, axes):
        x = s.input_shapes[0]
        windows = s.node.layer.input_windows(x)
        for axis in (a for a in where if a < len(windows)):
            w, n = windows[axis], x[1 + axis]
            assert isinstance(n, int) and isinstance(w.after, int) and isinstance(w.before, int)
            reach = n + w.before + w.after - w.span
            if (
                not w.ceil_mode
                and reach >= 0
                and reach % w.stride - w.after > max(0, w.stride - w.span)
            ):
                return False
    return True


def check(net: Network, report: SizesReport, only: str | None = None) -> None:
    lo, hi = report.range
    for v in report.variables:
        if only and v.name != only:
            continue
        axes = spatial(net)
        ref = {n: int(net.input_shape[i]) for n, i in axes.items()}
        at = {s: brute(net, {**ref, v.name: s}, axes[v.name] - 1) for s in range(lo, hi + 1)}
        seen = {c: [s for s, ok in at.items() if ok[c]] for c in CRITERIA}
        accepted = seen["accepted"]
        assert v.minimum == (accepted[0] if accepted else None), v.name
        for c in CRITERIA:
            assert list(v.criteria[c].sizes) == seen[c], (v.name, c, v.criteria[c].formula(v.name))
            assert [s for s in range(lo, hi + 1) if v.criteria[c].contains(s)] == seen[c], (
                v.name,
                c,
            )


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_zoo_closed_forms_hold_at_every_size(path: Path) -> None:
    net = load(path)
    report = sizes(net, span=(1, 72))
    assert all(v.criteria["exact"].modulus is not None for v in report.variables), "a closed form"
    check(net, report, only=next(iter(spatial(net))))


def test_the_answers_the_issue_asks_for() -> None:
    resnet = {v.name: v for v in sizes(load(ZOO[0].parent / "resnet50.yaml")).variables}
    assert resnet["H"].minimum == 1
    assert resnet["H"].criteria["exact"].formula("H") == "H ≥ 1, H ≡ 1 (mod 32)"
    assert resnet["H"].criteria["reads"].formula("H") == "H ≥ 1"
    unet = {v.name: v for v in sizes(load(ZOO[0].parent / "unet.yaml")).variables}
    for name in ("H", "W"):
        assert unet[name].minimum == 16
        assert unet[name].criteria["accepted"].formula(name) == f"{name} ≥ 16, {name} ≡ 0 (mod 16)"
        assert (
            unet[name].criteria["exact"].formula(name, ascii=True)
            == f"{name} >= 16, {name} % 16 == 0"
        )


def test_symbolic_input_names_the_variables() -> None:
    net = load(ZOO[0].parent / "resnet50.yaml")
    from cnncalc.api import parse_input

    report = sizes(net, parse_input("3xHxW", net), (1, 100))
    assert [v.name for v in report.variables] == ["H", "W"] and report.variables[0].given is None
    assert report.variables[0].criteria["exact"].sizes == (1, 33, 65, 97)


def _check_random(spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    note(text)
    net = loads(text, "random.yaml")
    if not spatial(net):
        return
    check(net, sizes(net, span=(1, 60)))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=window_nets(size=(8, 40)))
def test_random_window_chains(spec: dict[str, Any]) -> None:
    _check_random(spec)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=True))
def test_random_graphs(spec: dict[str, Any]) -> None:
    _check_random(spec)


# Found by test_random_graphs (issue 15's matmul): the walk aligned matmul's inputs as an
# elementwise merge's, axis by axis, and `sizes` accepted L = 1 and 2 only (every L is)
MATMUL = {
    "name": "random graph",
    "input": {"channels": 2, "length": 6},
    "layers": [
        {"name": "L0", "type": "add", "from": ["input", "input"], "activation": "relu"},
        {"type": "adaptiveavgpool1d", "output_size": 2, "activation": "relu"},
        {"name": "L2", "type": "split", "sections": [1, 1]},
        {"name": "L3", "type": "matmul", "from": ["L2.1", "input"], "activation": "relu"},
    ],
}
# ... and multiheadattention's query, key and value, whose sequence lengths may differ
ATTENTION = {
    "name": "cross attention",
    "input": {"channels": 4, "length": 6},
    "layers": [
        {"name": "q", "type": "adaptiveavgpool1d", "output_size": 3},
        {"name": "t", "type": "permute", "dims": [0, 2, 1]},
        {"name": "kv", "type": "permute", "dims": [0, 2, 1], "from": "input"},
        {
            "type": "multiheadattention",
            "embed_dim": 4,
            "num_heads": 2,
            "batch_first": True,
            "from": ["t", "kv", "kv"],
        },
    ],
}


@pytest.mark.parametrize("spec", [MATMUL, ATTENTION], ids=["matmul", "attention"])
def test_layers_that_agree_on_some_axes_only(spec: dict[str, Any]) -> None:
    net = loads(yaml.safe_dump(spec, sort_keys=False), "t.yaml")
    report = sizes(net, span=(1, 60))
    check(net, report)  # brute force
    assert report.variables[0].criteria["accepted"].sizes == tuple(range(1, 61))
