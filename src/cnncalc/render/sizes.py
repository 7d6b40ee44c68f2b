"""`cnncalc sizes` output: plain text or JSON, from analysis/sizes.py's report."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis.sizes import CRITERIA, Admissible, Condition, SizesReport, Variable
from cnncalc.render.values import shape_text, shape_value, to_ascii, value
from cnncalc.render.values import text as text_of

LABELS = {
    "accepted": "accepted by every layer",
    "exact": "exact (no remainder anywhere)",
    "reads": "every input row read",
}
SHOWN_SIZES = 8
SHOWN_CONDITIONS = 8


def _sizes(a: Admissible, ascii: bool) -> str:
    s = [str(v) for v in a.sizes]
    if len(s) > SHOWN_SIZES:
        s = [*s[: SHOWN_SIZES - 2], "..." if ascii else "…", *s[-2:]]
    return f"{len(a.sizes)} in range" + (": " + ", ".join(s) if s else "")


def _given(v: Variable) -> str:
    if v.given is None:
        return ""
    marks = [f"{c} {'yes' if v.criteria[c].contains(v.given) else 'no'}" for c in CRITERIA]
    return f"  the spec's {v.name} = {v.given}: " + ", ".join(marks)


def _reasons(conds: list[Condition], ascii: bool) -> list[str]:
    seen: dict[str, list[str]] = {}
    for c in conds:
        layers = seen.setdefault(c.text(ascii), [])
        if c.layer not in layers:
            layers.append(c.layer)
    more = "..." if ascii else "…"
    lines = [
        f"    {', '.join(layers[:3])}{' ' + more if len(layers) > 3 else ''}: {t}"
        for t, layers in seen.items()
    ]
    if len(lines) > SHOWN_CONDITIONS:
        lines = [
            *lines[:SHOWN_CONDITIONS],
            f"    {more} and {len(lines) - SHOWN_CONDITIONS} more (--format json lists all)",
        ]
    return lines


def text(report: SizesReport, ascii: bool = False) -> str:
    lo, hi = report.range
    dash = "-" if ascii else "—"
    out = [f"{report.name} {dash} input {shape_text(report.input_shape, ascii)}, sizes {lo}..{hi}"]
    for v in report.variables:
        out.append("")
        least = "none in the range" if v.minimum is None else v.minimum
        out.append(f"{v.name}: smallest size every layer accepts: {least}")
        for c in CRITERIA:
            a = v.criteria[c]
            out.append(f"  {LABELS[c]:<31} {a.formula(v.name, ascii):<26} {_sizes(a, ascii)}")
        if v.along is not None:
            size, layer, y = v.along
            out.append(f"  at {v.name} = {text_of(size, ascii)}: {layer} is {shape_text(y, ascii)}")
        if v.given is not None:
            out.append(_given(v))
        if v.note:
            out.append(f"  note: {v.note}")
        if v.conditions:
            out.append("  set by:")
            out.extend(_reasons(v.conditions, ascii))
    done = "\n".join(out) + "\n"
    return to_ascii(done) if ascii else done  # layer names, notes: ASCII too


def _admissible(a: Admissible, name: str) -> dict[str, Any]:
    return {
        "formula": a.formula(name, ascii=True),
        "start": a.start,
        "modulus": a.modulus,
        "residues": list(a.residues),
        "also": list(a.also),
        "count": len(a.sizes),
        "sizes": list(a.sizes),
    }


def _along(v: Variable) -> dict[str, Any]:
    assert v.along is not None
    size, layer, y = v.along
    return {"size": value(size), "layer": layer, "output_shape": shape_value(y)}


def to_json(report: SizesReport, ascii: bool = False) -> str:
    data = {
        "name": report.name,
        "input": shape_value(report.input_shape),
        "range": list(report.range),
        "variables": [
            {
                "name": v.name,
                "given": v.given,
                "minimum": v.minimum,
                **{c: _admissible(v.criteria[c], v.name) for c in CRITERIA},
                "conditions": [
                    {"layer": c.layer, "criterion": c.criterion, "condition": c.text(ascii=True)}
                    for c in v.conditions
                ],
                "note": v.note,
                **({} if v.along is None else {"along": _along(v)}),
            }
            for v in report.variables
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=ascii)
