"""Report -> plain rows and dicts. Every format renders from these; no layer knowledge here."""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.layers.base import Counts
from cnncalc.render.values import (
    DTYPE_BYTES,
    Column,
    shape_text,
    shape_value,
    text,
    to_ascii,
    value,
)
from cnncalc.sym import Dim

if TYPE_CHECKING:
    from cnncalc.analysis.receptive import AxisField


FIGURES = (Column.PARAMS, Column.TRAINABLE, Column.CONNECTIONS, Column.MACS, Column.CONVENTION)
_PLAIN_FIGURE = re.compile(r"(\d[\d,]*)( \(([\d,]+) fixed\))?")


def compact(s: str) -> str:
    """A figure cell in SI units (`--units si`): 11,689,512 -> 11.7M, '840 (840 fixed)' kept
    as is below 1,000; a symbolic figure stays exact (its formula is the point)."""
    from cnncalc.render.flops import si

    m = _PLAIN_FIGURE.fullmatch(s)
    if m is None:
        return s
    fixed = f" ({si(int(m.group(3).replace(',', '')))} fixed)" if m.group(2) else ""
    return si(int(m.group(1).replace(",", ""))) + fixed


def cell(
    stats: LayerStats, col: Column, ascii: bool, plain: bool = False, units: str = "exact"
) -> str:
    if units == "si" and col in FIGURES:
        return compact(cell(stats, col, ascii, plain))
    """One table cell; `plain` leaves numbers bare (CSV: no '(840 fixed)' note) and names as
    they are (CSV is UTF-8 data; its formulas are ASCII)."""
    c = stats.counts
    fixed = "" if plain or c.fixed == 0 else f" ({text(c.fixed, ascii)} fixed)"
    found = {
        Column.NAME: lambda: stats.name,
        Column.TYPE: lambda: (
            stats.type
            + (f"+{stats.node.layer.activation.type}" if stats.node.layer.activation else "")
        ),
        Column.OUTPUT: lambda: shape_text(stats.output_shape, ascii),
        Column.PARAMS: lambda: text(c.params, ascii) + fixed,
        Column.TRAINABLE: lambda: text(c.trainable, ascii),
        Column.CONNECTIONS: lambda: text(c.connections, ascii),
        Column.MACS: lambda: text(c.macs, ascii),
        Column.RF: lambda: field_cell(stats, col, ascii),
        Column.JUMP: lambda: field_cell(stats, col, ascii),
        Column.RF_OFFSET: lambda: field_cell(stats, col, ascii),
        Column.CONVENTION: lambda: peer_cell(stats, ascii),
    }[col]()
    return to_ascii(found) if ascii and not plain else found


def peer_cell(stats: LayerStats, ascii: bool) -> str:
    """A peer convention's count (rows of `params --convention` are conventions.PeerStats,
    read by attribute); n/a where the layer's kind does not declare its ops."""
    peer: Dim | None = getattr(stats, "peer", None)
    return "n/a" if peer is None else text(peer, ascii)


def field_cell(stats: LayerStats, col: Column, ascii: bool) -> str:
    """A receptive-field column: per axis, joined by × (offsets by ', '); 'whole input' when
    every output sees all of it, n/a where it is not defined."""
    axes = fields_of(stats)
    if not axes:
        return ""
    if all(a.whole for a in axes):
        return "whole input" if col is Column.RF else ""
    if all(a.size is None for a in axes):
        return "n/a" if col is Column.RF else ""

    def one(a: AxisField) -> str:
        if a.size is None:
            return "n/a"
        if col is Column.RF:
            return text(a.size, ascii)
        v = a.jump if col is Column.JUMP else a.center
        return "all" if a.whole else "n/a" if v is None else _number(v)

    return (", " if col is Column.RF_OFFSET else "x" if ascii else "×").join(one(a) for a in axes)


def _number(v: Fraction) -> str:
    """2, 0.5, -1.5; a fraction whose decimals do not end as p/q."""
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0 or d % 5 == 0:
        d //= 2 if d % 2 == 0 else 5
    return str(float(v)) if d == 1 and abs(v) < 2**50 else f"{v.numerator}/{v.denominator}"


def _json_number(v: Fraction | None) -> int | float | str | None:
    if v is None:
        return None
    if v.denominator == 1:
        return v.numerator
    exact = v.denominator & (v.denominator - 1) == 0  # a power of 2: the float is exact
    return float(v) if exact else f"{v.numerator}/{v.denominator}"


def field_dict(axes: tuple[AxisField, ...]) -> dict[str, Any]:
    """rf, jump, rf_offset per spatial axis (null where not defined; jump and offset null for
    a field that is the whole input), and rf_note saying why."""
    d: dict[str, Any] = {
        "rf": [None if a.size is None else value(a.size) for a in axes],
        "jump": [_json_number(a.jump) for a in axes],
        "rf_offset": [_json_number(a.center) for a in axes],
    }
    notes = sorted({a.note for a in axes if a.note})
    if notes:
        d["rf_note"] = "; ".join(notes)
    return d


def total_cell(report: Report, col: Column, ascii: bool, units: str = "exact") -> str:
    if units == "si" and col in FIGURES:
        return compact(total_cell(report, col, ascii))
    t = report.totals
    return {
        Column.NAME: "Total",
        Column.TYPE: "",
        # every output of the network (`outputs:`), in order
        Column.OUTPUT: "; ".join(shape_text(o, ascii) for o in report.outputs),
        Column.PARAMS: text(t.params, ascii),
        Column.TRAINABLE: text(t.trainable, ascii),
        Column.CONNECTIONS: text(t.connections, ascii),
        Column.MACS: text(t.macs, ascii),
        Column.CONVENTION: text(peer_total(report), ascii),
    }.get(col, "")


def peer_total(report: Report) -> Dim:
    total: Dim = 0
    for s in report.layers:
        total = total + (getattr(s, "peer", None) or 0)
    return total


def memory(report: Report, dtype: str) -> dict[str, Any]:
    """torchinfo-style sizes for batch 1: parameters+buffers, and every layer's output."""
    sizes = memory_dims(report, dtype)
    figures = {k: value(v) for k, v in sizes.items()}
    return {"dtype": dtype, "bytes_per_element": DTYPE_BYTES[dtype], **figures}


def memory_dims(report: Report, dtype: str) -> dict[str, Dim]:
    """memory()'s byte counts as Dims (formulas stay formulas, for display)."""
    b = DTYPE_BYTES[dtype]
    t = report.totals
    inp: Dim = 1
    for d in report.input_shape:
        inp = inp * d
    return {
        "param_bytes": (t.params + t.buffers) * b,
        "activation_bytes": report.activation_elements * b,
        "input_bytes": inp * b,
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
    if fields_of(s):
        d.update(field_dict(fields_of(s)))
    if hasattr(s, "peer"):
        d["convention"] = None if s.peer is None else value(s.peer)
    return d


def fields_of(stats: LayerStats) -> tuple[AxisField, ...]:
    """A row's receptive field (rows of `params --rf` are analysis.receptive.FieldStats;
    read by attribute so that reports without it never import that module)."""
    found: tuple[AxisField, ...] = getattr(stats, "field", ())
    return found


def report_dict(
    report: Report, full: bool, dtype: str = "float32", explain: bool = False
) -> dict[str, Any]:
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
        "outputs": [
            {"name": n, "shape": shape_value(s)}
            for n, s in zip(report.network.outputs, report.outputs, strict=True)
        ],
        "layers": layers,
    }
    if report.network.args:  # a member of a family spec: which one
        out["args"] = dict(report.network.args)
    if full:
        totals = counts_dict(report.totals)
        totals["activation_elements"] = value(report.activation_elements)
        out["totals"] = totals
        out["memory"] = memory(report, dtype)
    return out
