"""Compare a cnncalc report with a reference description of the same network: torchvision's
figures (tests/data/torchvision_zoo.json) or a plain torch.nn build (torch_nets.py).

A reference lists every leaf module call in call order. Operations torchvision's forward
calls as functions (`out += identity`, torch.cat, torch.flatten, F.adaptive_avg_pool2d,
x.chunk, channel_shuffle) leave no module call; the spec has layers for them, which each
network lists by name in its `extras` pattern, so an invented layer cannot slip through."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnncalc.api import Report, analyze, load, parse_input

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
CONV_LINEAR = re.compile(r"conv[123]d|convtranspose[123]d|linear")


def lit(v: Any) -> Any:
    """The json keeps some values as Python-repr strings ('[1, 64, 56, 56]')."""
    return ast.literal_eval(v) if isinstance(v, str) and v[:1] in "[({" else v


def calls(layers: Sequence[Any]) -> list[tuple[str, tuple[int, ...]]]:
    """(name, output shape, batch included) per leaf call. A module called again (ResNet's
    one `relu`) gets torch.fx's names for the later calls: relu_1, relu_2, as in the specs."""
    seen: dict[str, int] = {}
    out = []
    for entry in layers:
        entry = lit(entry)
        name, shape = (entry["name"], entry["out"]) if isinstance(entry, dict) else entry
        shape = tuple(lit(shape))
        k = seen.get(name, 0)
        seen[name] = k + 1
        out.append((name if k == 0 else f"{name}_{k}", shape))
    return out


def layer_params(layers: Sequence[Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for entry in layers:
        entry = lit(entry)
        if isinstance(entry, dict) and "params" in entry:
            out.setdefault(entry["name"], int(entry["params"]))
    return out


def check_layers(report: Report, ref_calls: list[tuple[str, tuple[int, ...]]], extras: str) -> None:
    names = {n for n, _ in ref_calls}
    ours = [(s.name, tuple(s.output_shape)) for s in report.layers if s.name in names]
    assert [n for n, _ in ours] == [n for n, _ in ref_calls], "leaf layers differ in name or order"
    for (name, got), (_, full) in zip(ours, ref_calls, strict=True):
        # the references run a batch of 1; a module that takes another axis into the batch
        # (MViT's Pool: its Conv3d over batch·heads) reports it first, where the spec keeps it
        want = full if len(got) == len(full) else full[1:]
        assert got == want, f"{name}: cnncalc {got}, reference {want}"
    unmatched = [s.name for s in report.layers if s.name not in names]
    stray = [n for n in unmatched if not re.fullmatch(extras, n)]
    assert not stray, f"layers with no reference module call: {stray}"


def check_network(
    spec: str, ref: dict[str, Any], extras: str, sets: dict[str, str] | None = None
) -> Report:
    """Every figure of one reference: totals, per-layer shapes (and parameters where given),
    and the other input sizes listed; `sets`: the spec's arguments (--set)."""
    net = load(SPECS / spec, sets)
    want_input = tuple(lit(ref["input"]))[1:]
    assert tuple(net.input_shape) == want_input
    report = analyze(net)
    t = report.totals
    assert t.params == ref["params_total"]
    assert t.trainable == ref["params_trainable"]
    assert t.buffers == ref["buffer_elements"]
    conv_linear = sum(s.counts.macs for s in report.layers if CONV_LINEAR.fullmatch(s.type))
    assert conv_linear == ref["macs_conv_linear"]
    assert t.macs == conv_linear  # no other layer of these networks counts MACs
    assert report.outputs[0] == tuple(lit(ref["output"]))[1:]
    check_layers(report, calls(lit(ref["layers"])), extras)
    by_name = {s.name: s for s in report.layers}
    for name, params in layer_params(lit(ref["layers"])).items():
        assert by_name[name].counts.params == params, name
    for size, other in lit(ref.get("other_inputs", {})).items():
        r = analyze(net, parse_input(size, net))
        assert r.outputs[0] == tuple(lit(other["output"]))[1:], size
        check_layers(r, calls(lit(other["layers"])), extras)
    return report


def check_full(
    spec: Path, ref: dict[str, Any], extras: str, sets: dict[str, str] | None = None
) -> Report:
    """Every figure of one model of tests/data/torchvision_full.json: the input, total and
    trainable parameters, buffer elements, MACs (FlopCounterMode's FLOPs / 2: convolutions,
    linear layers, matmuls and attention's matmuls; docs/counting.md), the output(s), and every
    leaf module call's name, output shape and own parameters in call order. `sets`: the
    spec's arguments (--set), for one member of a family spec."""
    net = load(spec, sets)
    assert tuple(net.input_shape) == tuple(lit(ref["input"]))[1:], "input"
    report = analyze(net)
    t = report.totals
    assert (t.params, t.trainable, t.buffers) == (
        int(ref["params_total"]),
        int(ref["params_trainable"]),
        int(ref["buffer_elements"]),
    ), "params, trainable, buffers"
    assert t.macs == int(ref["macs"]), "macs"
    out = lit(ref["output"])
    want = [tuple(s)[1:] for s in (out.values() if isinstance(out, dict) else [out])]
    assert [tuple(s) for s in report.outputs] == want, "output"
    check_layers(report, calls(lit(ref["layers"])), extras)
    by_name = {s.name: s for s in report.layers}
    for name, params in layer_params(lit(ref["layers"])).items():
        assert by_name[name].counts.params == params, name
    return report
