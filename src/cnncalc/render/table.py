"""The terminal table (rich), imported only when a table is printed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from cnncalc.analysis.engine import Report
from cnncalc.render.boxtable import right_aligned, summary, title
from cnncalc.render.facts import cell, total_cell
from cnncalc.render.values import Column


def print_table(
    report: Report,
    columns: Sequence[Column],
    console: Console,
    *,
    totals: bool,
    explain: bool = False,
    dtype: str = "float32",
    ascii: bool = False,
) -> None:
    table = Table(title=title(report, ascii), show_footer=totals, title_justify="left")
    for c in columns:
        table.add_column(
            c.value,
            justify="right" if right_aligned(c) else "left",
            footer=total_cell(report, c, ascii) if totals else "",
        )
    for s in report.layers:
        table.add_row(*(cell(s, c, ascii) for c in columns))
    console.print(table)
    if explain:
        for s in report.layers:
            for line in s.explain():
                console.print(f"{s.name}: {line}", markup=False, highlight=False)
    if totals:  # written in render/boxtable.py, which draws this table without rich
        console.print(summary(report, dtype, ascii), markup=False, highlight=False)
