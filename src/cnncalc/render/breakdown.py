"""`cnncalc params --by type|block`: groups of layers, data in, text out. Compact units
(`--units si`) shorten text, CSV and Markdown; JSON always states the exact figures."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from cnncalc.analysis.breakdown import Group
from cnncalc.analysis.engine import Report
from cnncalc.errors import printable
from cnncalc.render.flops import si
from cnncalc.render.text import md_escape
from cnncalc.render.values import DTYPE_BYTES, shape_text, text, value
from cnncalc.sym import Dim

HEADERS = ("Group", "Layers", "Params", "%", "MACs", "%", "Act. bytes", "%")


def _total(groups: Sequence[Group], attr: str) -> Dim:
    t: Dim = 0
    for g in groups:
        t = t + getattr(g, attr)
    return t


def share(part: Dim, whole: Dim) -> float | None:
    """Percent of the total, 1 decimal; None where either is symbolic (or the total is 0)."""
    if isinstance(part, int) and isinstance(whole, int) and whole:
        return round(100 * part / whole, 1)
    return None


def _figures(g: Group, totals: Group, b: int) -> list[tuple[Dim, float | None]]:
    return [
        (g.params, share(g.params, totals.params)),
        (g.macs, share(g.macs, totals.macs)),
        (g.activation_elements * b, share(g.activation_elements, totals.activation_elements)),
    ]


def _num(d: Dim, units: str, plain: bool) -> str:
    if isinstance(d, int):
        return si(d) if units == "si" else str(d) if plain else f"{d:,}"
    return text(d)


def rows(groups: Sequence[Group], dtype: str, units: str, plain: bool) -> list[list[str]]:
    b = DTYPE_BYTES[dtype]
    totals = Group(
        "Total",
        sum(g.layers for g in groups),
        _total(groups, "params"),
        _total(groups, "macs"),
        _total(groups, "activation_elements"),
    )
    out = []
    for g in [*groups, totals]:
        cells = [printable(g.name) if not plain else g.name, str(g.layers)]
        for figure, pct in _figures(g, totals, b):
            cells += [_num(figure, units, plain), "" if pct is None else f"{pct:.1f}"]
        out.append(cells)
    return out


def table(report: Report, groups: Sequence[Group], by: str, dtype: str, units: str) -> str:
    body = rows(groups, dtype, units, plain=False)
    widths = [max(len(r[i]) for r in [list(HEADERS), *body]) for i in range(len(HEADERS))]

    def line(cells: Sequence[str]) -> str:
        out = cells[0].ljust(widths[0])
        for i in range(1, len(cells)):  # a share sits one space after its figure
            out += (" " if i % 2 and i > 1 else "  ") + cells[i].rjust(widths[i])
        return out

    title = f"{printable(report.name)} — input {shape_text(report.input_shape)}, by {by}"
    rule = "-" * len(line(HEADERS))
    out = [title, "", line(HEADERS), rule, *(line(r) for r in body[:-1]), rule, line(body[-1])]
    out.append(f"Act. bytes: every layer's output at {dtype}, batch 1; %: share of the total")
    return "\n".join(out)


def csv(groups: Sequence[Group], dtype: str, units: str) -> str:
    import csv as csvlib
    import io

    buf = io.StringIO()
    w = csvlib.writer(buf, lineterminator="\n")
    w.writerow(["group", "layers", "params", "params_pct", "macs", "macs_pct",
                "activation_bytes", "activation_pct"])  # fmt: skip
    w.writerows(rows(groups, dtype, units, plain=True))
    return buf.getvalue()


def markdown(report: Report, groups: Sequence[Group], by: str, dtype: str, units: str) -> str:
    body = rows(groups, dtype, units, plain=False)
    out = [f"**{md_escape(printable(report.name))}**, by {by}", ""]
    out.append("| " + " | ".join(HEADERS) + " |")
    out.append("|---|" + "---:|" * (len(HEADERS) - 1))
    for r in body:
        out.append("| " + " | ".join(md_escape(c) for c in r) + " |")
    return "\n".join(out) + "\n"


def as_json(report: Report, groups: Sequence[Group], by: str, depth: int | None, dtype: str) -> str:
    b = DTYPE_BYTES[dtype]
    totals = Group(
        "Total",
        sum(g.layers for g in groups),
        _total(groups, "params"),
        _total(groups, "macs"),
        _total(groups, "activation_elements"),
    )

    def one(g: Group) -> dict[str, Any]:
        (p, pp), (m, mp), (a, ap) = _figures(g, totals, b)
        return {
            "name": g.name,
            "layers": g.layers,
            "params": value(p),
            "params_pct": pp,
            "macs": value(m),
            "macs_pct": mp,
            "activation_bytes": value(a),
            "activation_pct": ap,
        }

    data: dict[str, Any] = {
        "name": report.name,
        "by": by,
        "dtype": dtype,
        "groups": [one(g) for g in groups],
        "totals": {k: v for k, v in one(totals).items() if not k.endswith("_pct")},
    }
    if depth is not None:
        data["depth"] = depth
    return json.dumps(data, indent=2, ensure_ascii=False)
