"""The report table as rich prints it off a terminal, drawn without importing rich.

rich's import and its general layout engine cost more than loading and analysing the network
(0.1 s for ResNet-50's 175 rows, 0.3 s for ResNet-152's 515: docs/performance.md). Off a
terminal rich prints plain text: the HEAVY_HEAD box (ASCII_DOUBLE_HEAD under --ascii), one
space of padding, each column as wide as its widest cell, the title padded to the table's
width. `draw` writes exactly that when nothing can make rich do more: it returns None (and
rich prints) for a terminal or forced colour, a non-UTF-8 stdout, a table or line wider than
the page (rich would wrap or split it: render/layout.py), characters whose width is not
plainly one cell, or whitespace at the ends of a cell (rich trims it). Cells are rich Text,
never markup, so brackets and emoji codes print as written in both. tests/perf/test_boxtable.py
compares the two character for character. The title, explanation and summary lines are
written here once for both.

Kept (issue 14) because rich instead makes `cnncalc params` +56% on ResNet-50, +130% on
ResNet-152 (benchmarks/ab.py against benchmarks/rich_tables.py; docs/performance.md).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from cnncalc.analysis.engine import Report
from cnncalc.errors import printable
from cnncalc.render.facts import cell, memory_dims, total_cell
from cnncalc.render.values import Column, header, shape_text, text, to_ascii
from cnncalc.sym import Dim

PAGE = 480  # the width cli/report.py gives rich off a terminal: wide symbolic totals fit
_ONE_CELL = frozenset("×·−⌊⌋⌈⌉…²³¹⁰⁴⁵⁶⁷⁸⁹—Σᵀ")  # non-ASCII characters cnncalc prints, each 1 wide
# rich.box's boxes, line by line: top, head, head_row, mid, row, foot_row, foot, bottom
_BOXES = {
    False: ("┏━┳┓", "┃ ┃┃", "┡━╇┩", "│ ││", "├─┼┤", "├─┼┤", "│ ││", "└─┴┘"),  # HEAVY_HEAD
    True: ("+-++", "| ||", "+=++", "| ||", "+-++", "+-++", "| ||", "+-++"),  # ASCII_DOUBLE_HEAD
}


def title(report: Report, ascii: bool) -> str:
    # the name may come from the file's name, which no check has seen: escape what is unsafe
    t = f"{printable(report.name)} — input N×{shape_text(report.input_shape, ascii)}"
    return to_ascii(t) if ascii else t


def explanations(report: Report, ascii: bool) -> list[str]:
    """`--explain`'s lines under the table: `name: arithmetic`."""
    lines = [f"{s.name}: {line}" for s in report.layers for line in s.explain()]
    return [to_ascii(line) for line in lines] if ascii else lines


def right_aligned(column: Column) -> bool:
    return column not in (Column.NAME, Column.TYPE)


def summary(report: Report, dtype: str, ascii: bool) -> str:
    """The lines under a params table: totals, connections and MACs, memory."""
    m = memory_dims(report, dtype)
    t = report.totals
    mib = 1024 * 1024  # bytes in IEC units, labelled so: 1 MiB = 2**20 bytes

    def size(v: Dim) -> str:
        if not isinstance(v, int):
            return f"{text(v, ascii)} bytes"
        # in integers, rounding half to even as float formatting does: no overflow on huge v
        q, r = divmod(v * 100, mib)
        q += 2 * r > mib or (2 * r == mib and q % 2 == 1)
        return f"{q // 100:,}.{q % 100:02d} MiB"

    return (
        f"Trainable params: {text(t.trainable, ascii)}"
        f"   Non-trainable params: {text(t.fixed, ascii)}   Buffers: {text(t.buffers, ascii)}\n"
        f"Connections: {text(t.connections, ascii)}   MACs: {text(t.macs, ascii)}"
        f"   FLOPs (2{'*' if ascii else '×'}MACs): {text(2 * t.macs, ascii)}\n"
        f"Memory ({dtype}, batch 1): params+buffers {size(m['param_bytes'])}, "
        f"activations {size(m['activation_bytes'])}, input {size(m['input_bytes'])}"
    )


def plain_stdout() -> bool:
    """Whether rich would print to stdout without styles, on cli/report.py's PAGE-wide page."""
    if sys.stdout.isatty():
        return False
    forced = os.environ.get("TTY_COMPATIBLE", "")
    if forced == "1" or (forced != "0" and os.environ.get("FORCE_COLOR", "") != ""):
        return False
    return (getattr(sys.stdout, "encoding", None) or "utf-8").lower().startswith("utf")


def _as_is(s: str) -> bool:
    """Whether rich prints the Text s unchanged, one cell per character."""
    return s == s.strip() and all(" " <= ch <= "~" or ch in _ONE_CELL for ch in s)


def draw(
    report: Report,
    columns: Sequence[Column],
    *,
    totals: bool,
    explain: bool = False,
    dtype: str = "float32",
    ascii: bool = False,
    page: int = PAGE,
    units: str = "exact",
) -> str | None:
    """What print_table prints on a plain `page`-wide page, or None where rich must do it."""
    head = [header(c, ascii) for c in columns]
    rows = [[cell(s, c, ascii, units=units) for c in columns] for s in report.layers]
    grid = [head, *rows]
    if totals:
        grid.append([total_cell(report, c, ascii, units) for c in columns])
    after = explanations(report, ascii) if explain else []
    if totals:
        after += summary(report, dtype, ascii).split("\n")
    widths = [max(len(r[i]) for r in grid) for i in range(len(columns))]
    width = sum(widths) + 3 * len(widths) + 1
    top = title(report, ascii)
    if (
        width > page
        or len(top) > width
        or any(len(line) > page for line in after)
        or not all(_as_is(s) for s in (top, *(x for r in grid for x in r)))
        or not all(_as_is(line) for line in after)
    ):
        return None
    right = [right_aligned(c) for c in columns]

    def row(cells: Sequence[str], bar: str) -> str:
        padded = (
            x.rjust(w) if r else x.ljust(w) for x, w, r in zip(cells, widths, right, strict=True)
        )
        return bar + bar.join(f" {x} " for x in padded) + bar

    def rule(left: str, mid: str, end: str, line: str) -> str:
        return left + mid.join(line * (w + 2) for w in widths) + end

    b_top, b_head, b_head_row, b_mid, _, b_foot_row, b_foot, b_bottom = _BOXES[ascii]

    def edge(chars: str) -> str:  # left, horizontal, cross, right
        return rule(chars[0], chars[2], chars[3], chars[1])

    out = [top.ljust(width), edge(b_top), row(head, b_head[0]), edge(b_head_row)]
    out += [row(r, b_mid[0]) for r in rows]
    if totals:
        out += [edge(b_foot_row), row(grid[-1], b_foot[0])]
    out.append(edge(b_bottom))
    return "\n".join([*out, *after]) + "\n"
