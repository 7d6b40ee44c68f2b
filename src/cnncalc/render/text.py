"""CSV and Markdown tables (plain text, no rich)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from cnncalc.analysis.engine import Report
from cnncalc.render.facts import cell, total_cell
from cnncalc.render.values import Column


def _rows(
    report: Report, columns: Sequence[Column], ascii: bool, totals: bool, plain: bool = False
) -> list[list[str]]:
    rows = [[cell(s, c, ascii, plain) for c in columns] for s in report.layers]
    if totals:
        rows.append([total_cell(report, c, ascii) for c in columns])
    return rows


def csv_table(report: Report, columns: Sequence[Column], totals: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.name.lower() for c in columns])
    for row in _rows(report, columns, True, totals, plain=True):
        w.writerow([x.replace(",", "") if x.replace(",", "").isdigit() else x for x in row])
    return buf.getvalue()


def markdown_table(
    report: Report, columns: Sequence[Column], totals: bool, ascii: bool = False
) -> str:
    def esc(s: str) -> str:
        return s.replace("|", "\\|")

    lines = [f"**{esc(report.name)}**, input {'×'.join(str(d) for d in report.input_shape)}", ""]
    lines.append("| " + " | ".join(c.value for c in columns) + " |")
    lines.append(
        "|"
        + "|".join("---:" if c not in (Column.NAME, Column.TYPE) else "---" for c in columns)
        + "|"
    )
    for i, row in enumerate(_rows(report, columns, ascii, totals)):
        bold = totals and i == len(report.layers)
        lines.append(
            "| " + " | ".join(f"**{esc(x)}**" if bold and x else esc(x) for x in row) + " |"
        )
    return "\n".join(lines) + "\n"
