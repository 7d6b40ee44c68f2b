"""`cnncalc flops`: one row per counting convention (data in, text out). Compact units
(`--units si`) shorten the text only: JSON always states the exact figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.analysis.engine import Report
from cnncalc.conventions import Tally
from cnncalc.errors import printable
from cnncalc.render.values import shape_text, value

PREFIXES = ((10**3, "k"), (10**6, "M"), (10**9, "G"), (10**12, "T"))


def si(n: int) -> str:
    """3 significant digits and an SI prefix: 25.6M, 4.09G, 1.00M for 999,999 (below 1,000,
    the number itself)."""
    if abs(n) < 1000:
        return str(n)
    i = max(j for j, (scale, _) in enumerate(PREFIXES) if abs(n) >= scale)
    while True:
        scale, prefix = PREFIXES[i]
        q = abs(n) / scale
        for digits in (2, 1, 0):  # fewer decimals where rounding adds a digit (9.996 -> 10.0)
            text = f"{q:.{digits}f}"
            if float(text) < 10 ** (3 - digits):
                break
        if float(text) >= 1000 and i + 1 < len(PREFIXES):
            i += 1  # 999.96M reads 1.00G
            continue
        return ("-" if n < 0 else "") + text + prefix


def figure(n: object, units: str) -> str:
    if isinstance(n, int):
        return si(n) if units == "si" else f"{n:,}"
    return str(n)


def text(report: Report, tallies: Sequence[Tally], units: str = "exact") -> str:
    lines = [f"{printable(report.name)} — input {shape_text(report.input_shape)}, batch 1", ""]
    width = max(len(t.convention.title) for t in tallies)
    for t in tallies:
        c = t.convention
        total = figure(t.total, units)
        lines.append(f"{c.title:<{width}}  {total:>15} {c.unit}")
        lines.append(f"    {c.reason}")
        if t.missing:
            kinds = ", ".join(printable(k) for k in t.missing)
            lines.append(f"    (leaves out the layers of kinds it does not declare: {kinds})")
    flags = [f for t in tallies for f in t.flags]
    if flags:
        lines += ["", "Known miscounts:"]
        lines += [f"  ! {printable(f)}" for f in flags]
    return "\n".join(lines)


def data(report: Report, tallies: Sequence[Tally]) -> dict[str, Any]:
    return {
        "network": report.name,
        "input_shape": [value(d) for d in report.input_shape],
        "conventions": [
            {
                "name": t.convention.name,
                "title": t.convention.title,
                "unit": t.convention.unit,
                "total": value(t.total),
                "reason": t.convention.reason,
                "layers": {
                    s.name: None if f is None else value(f)
                    for s, f in zip(report.layers, t.layers, strict=True)
                },
                "not_declared": list(t.missing),
                "flags": list(t.flags),
            }
            for t in tallies
        ],
    }


def as_json(report: Report, tallies: Sequence[Tally]) -> str:
    return json.dumps(data(report, tallies), indent=2, ensure_ascii=False)
