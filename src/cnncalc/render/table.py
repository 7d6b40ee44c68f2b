"""The terminal table (rich), imported only when a table is printed.

Every cell, title and line is a rich Text, never a markup string: a layer named `x[/]`,
`[link=…]` or `attn[q]` prints as written."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cnncalc.analysis.engine import Report
from cnncalc.render.boxtable import explanations, right_aligned, summary, title
from cnncalc.render.facts import cell, total_cell
from cnncalc.render.layout import plan
from cnncalc.render.values import Column, header


def print_table(
    report: Report,
    columns: Sequence[Column],
    console: Console,
    *,
    totals: bool,
    explain: bool = False,
    dtype: str = "float32",
    ascii: bool = False,
    units: str = "exact",
) -> None:
    rows = [[cell(s, c, ascii, units=units) for c in columns] for s in report.layers]
    foot = [total_cell(report, c, ascii, units) if totals else "" for c in columns]
    heads = [header(c, ascii) for c in columns]
    grid = [[heads[j], *(r[j] for r in rows), foot[j]] for j in range(len(columns))]
    wraps = [c in (Column.NAME, Column.TYPE) for c in columns]
    for i, part in enumerate(plan(grid, wraps, console.width, cell_len)):
        table = Table(
            title=Text(title(report, ascii)) if i == 0 else None,
            show_footer=totals,
            title_justify="left",
            box=box.ASCII_DOUBLE_HEAD if ascii else box.HEAVY_HEAD,
        )
        for k, j in enumerate(part.columns):
            table.add_column(
                Text(heads[j]),
                justify="right" if right_aligned(columns[j]) else "left",
                footer=Text(foot[j]),
                width=None if part.widths is None else part.widths[k],
                overflow="fold",  # a figure wraps where it must, never ends in "…"
            )
        for r in rows:
            table.add_row(*(Text(r[j]) for j in part.columns))
        console.print(table)
    if explain:
        for line in explanations(report, ascii):
            console.print(Text(line), highlight=False)
    if totals:  # written in render/boxtable.py, which draws this table without rich
        console.print(Text(summary(report, dtype, ascii)), highlight=False)
