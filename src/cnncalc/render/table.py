"""The terminal table (rich), imported only when a table is printed."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from cnncalc.analysis.engine import Report
from cnncalc.render.facts import cell, memory, total_cell
from cnncalc.render.values import Column, shape_text, text


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
    title = f"{report.name} — input N×{shape_text(report.input_shape, ascii)}"
    table = Table(title=title, show_footer=totals, title_justify="left")
    for c in columns:
        right = c not in (Column.NAME, Column.TYPE)
        table.add_column(c.value, justify="right" if right else "left",
                         footer=total_cell(report, c, ascii) if totals else "")
    for s in report.layers:
        table.add_row(*(cell(s, c, ascii) for c in columns))
    console.print(table)
    if explain:
        for s in report.layers:
            for line in s.explain():
                console.print(f"{s.name}: {line}", markup=False, highlight=False)
    if totals:
        m = memory(report, dtype)
        t = report.totals
        mb = 1024 * 1024

        def size(v: int | str) -> str:
            if not isinstance(v, int):
                return f"{v} bytes"
            # in integers, rounding half to even as float formatting does: no overflow on huge v
            q, r = divmod(v * 100, mb)
            q += 2 * r > mb or (2 * r == mb and q % 2 == 1)
            return f"{q // 100:,}.{q % 100:02d} MB"

        console.print(
            f"Trainable params: {text(t.trainable, ascii)}   Non-trainable params: {text(t.fixed, ascii)}"
            f"   Buffers: {text(t.buffers, ascii)}\n"
            f"Connections: {text(t.connections, ascii)}   MACs: {text(t.macs, ascii)}"
            f"   FLOPs (2×MACs): {text(2 * t.macs, ascii)}\n"
            f"Memory ({dtype}, batch 1): params+buffers {size(m['param_bytes'])}, "
            f"activations {size(m['activation_bytes'])}, input {size(m['input_bytes'])}",
            markup=False,
            highlight=False,
        )
