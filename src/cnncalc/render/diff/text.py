"""`cnncalc diff` as plain text for a terminal: a summary, one line per layer that differs,
and the totals. Spec text (names, file names) is printed with control characters escaped."""

from __future__ import annotations

from cnncalc.analysis.diff import Diff
from cnncalc.errors import printable
from cnncalc.render.diff.phrases import (
    MARK,
    delta_text,
    details,
    figure_text,
    label,
    layer_type,
    notes,
)
from cnncalc.render.diff.phrases import summary as summary_line


def render(diff: Diff) -> str:
    old, new = diff.labels
    lines = [f"cnncalc diff {printable(old)} → {printable(new)}", printable(summary_line(diff))]
    rows = [r for r in diff.layers if r.status != "unchanged"]
    if rows:
        lines.append("")
    for r in rows:
        what = "; ".join(details(r))
        head = f"{MARK[r.status]} {r.name} ({layer_type(r)}) {r.status}"
        lines.append(printable(f"{head}: {what}" if what else head))
    table = [("", "old", "new", "change")]
    table += [
        (label(f), figure_text(f.old), figure_text(f.new), delta_text(f)) for f in diff.totals
    ]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines.append("")
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells).rstrip())
    lines += [printable(n) for n in notes(diff)]
    return "\n".join(lines) + "\n"
