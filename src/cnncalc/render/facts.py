"""Report -> plain rows and dicts. Every format renders from these; no layer knowledge here."""

from __future__ import annotations

from typing import Any

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.layers.base import Counts
from cnncalc.render.values import DTYPE_BYTES, Column, shape_text, shape_value, text, value
from cnncalc.sym import Dim


def cell(stats: LayerStats, col: Column, ascii: bool, plain: bool = False) -> str:
    """One table cell; `plain` leaves numbers bare (CSV: no '(840 fixed)' note)."""
    c = stats.counts
    fixed = "" if plain or c.fixed == 0 else f" ({text(c.fixed, ascii)} fixed)"
    return {
        Column.NAME: lambda: stats.name,
        Column.TYPE: lambda: stats.type + (f"+{stats.node.layer.activation.type}" if stats.node.layer.activation else ""),
        Column.OUTPUT: lambda: shape_text(stats.output_shape, ascii),
        Column.PARAMS: lambda: text(c.params, ascii) + fixed,
        Column.TRAINABLE: lambda: text(c.trainable, ascii),
        Column.CONNECTIONS: lambda: text(c.connections, ascii),
        Column.MACS: lambda: text(c.macs, ascii),
    }[col]()


def total_cell(report: Report, col: Column, ascii: bool) -> str:
    t = report.totals
    return {
        Column.NAME: "Total",
        Column.TYPE: "",
        Column.OUTPUT: shape_text(report.outputs[0], ascii) if report.outputs else "",
        Column.PARAMS: text(t.params, ascii),
        Column.TRAINABLE: text(t.trainable, ascii),
        Column.CONNECTIONS: text(t.connections, ascii),
        Column.MACS: text(t.macs, ascii),
    }[col]


def memory(report: Report, dtype: str) -> dict[str, Any]:
    """torchinfo-style sizes for batch 1: parameters+buffers, and every layer's output."""
    b = DTYPE_BYTES[dtype]
    t = report.totals
    inp: Dim = 1
    for d in report.input_shape:
        inp = inp * d
    return {
        "dtype": dtype,
        "bytes_per_element": b,
        "param_bytes": value((t.params + t.buffers) * b),
        "activation_bytes": value(report.activation_elements * b),
        "input_bytes": value(inp * b),
    }


def counts_dict(c: Counts) -> dict[str, int | str]:
    return {
        "params": value(c.params),
        "trainable_params": value(c.trainable),
        "non_trainable_params": value(c.fixed),
        "buffers": value(c.buffers),
        "connections": value(c.connections),
        "macs": value(c.macs),
        "flops": value(2 * c.macs),
    }


def layer_dict(s: LayerStats, full: bool) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": s.name,
        "type": s.type,
        "inputs": list(s.node.inputs),
        "input_shape": shape_value(s.input_shapes[0]),
        "output_shape": shape_value(s.output_shape),
    }
    if len(s.input_shapes) > 1:
        d["input_shapes"] = [shape_value(x) for x in s.input_shapes]
    if s.node.layer.activation is not None:
        d["activation"] = s.node.layer.activation.type
    if full:
        d["output_elements"] = value(s.output_elements)
        d.update(counts_dict(s.counts))
    return d


def report_dict(report: Report, full: bool, dtype: str = "float32", explain: bool = False) -> dict[str, Any]:
    """The JSON contract (docs/json.md)."""
    layers = []
    for s in report.layers:
        d = layer_dict(s, full)
        if explain:
            d["explain"] = s.explain()
        layers.append(d)
    out: dict[str, Any] = {
        "name": report.name,
        "input": shape_value(report.input_shape),
        "output": shape_value(report.outputs[0]) if report.outputs else [],
        "layers": layers,
    }
    if full:
        totals = counts_dict(report.totals)
        totals["activation_elements"] = value(report.activation_elements)
        out["totals"] = totals
        out["memory"] = memory(report, dtype)
    return out
