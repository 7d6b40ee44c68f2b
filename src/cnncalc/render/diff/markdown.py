"""`cnncalc diff --format markdown`: a pull-request comment. Names are backslash-escaped
where Markdown would read them (render/text.py's md_escape), control characters escaped."""

from __future__ import annotations

from cnncalc.analysis.diff import Diff
from cnncalc.analysis.diff_budget import Verdict
from cnncalc.errors import printable
from cnncalc.render.diff.phrases import (
    delta_text,
    details,
    figure_text,
    label,
    layer_type,
    notes,
    summary,
)
from cnncalc.render.text import md_escape


def _md(s: str) -> str:
    return md_escape(printable(s))


def render(diff: Diff, verdicts: list[Verdict]) -> str:
    old, new = diff.labels
    lines = [f"### cnncalc diff: {_md(old)} → {_md(new)}", "", _md(summary(diff)), ""]
    lines += ["| figure | old | new | change |", "|---|---:|---:|---:|"]
    for f in diff.totals:
        name = label(f)
        cells = [name, *(_md(x) for x in (figure_text(f.old), figure_text(f.new), delta_text(f)))]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [f"- {_md(n)}" for n in notes(diff)]
    rows = [r for r in diff.layers if r.status != "unchanged"]
    if rows:
        lines += ["", "| | layer | type | what changed |", "|---|---|---|---|"]
        for r in rows:
            what = "; ".join(_md(d) for d in details(r))
            lines.append(f"| {r.status} | {_md(r.name)} | {_md(layer_type(r))} | {what} |")
    if verdicts:
        lines += ["", "**Budgets**", ""]
        lines += [f"- {'**broken**' if v.broken else 'ok'}: {_md(v.message)}" for v in verdicts]
    return "\n".join(lines) + "\n"
