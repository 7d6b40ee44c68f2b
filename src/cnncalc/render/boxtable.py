"""The report table as rich prints it off a terminal, drawn without importing rich.

rich's import and its general layout engine cost more than loading and analysing the network
(0.1 s for ResNet-50's 175 rows, 0.3 s for ResNet-152's 515: docs/performance.md). Off a
terminal rich prints plain text: the HEAVY_HEAD box, one space of padding, each column as wide
as its widest cell, the title padded to the table's width. `draw` writes exactly that when
nothing can make rich do more: it returns None (and rich prints) for a terminal or forced
colour, a non-UTF-8 stdout, a table or line wider than the page (rich would wrap), text rich
would read as markup or an emoji code, characters whose width is not plainly one cell, or
whitespace at the ends of a cell (rich trims it). tests/perf/test_boxtable.py compares the
two character for character. The title and summary lines are written here once for both.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence

from cnncalc.analysis.engine import Report
from cnncalc.render.facts import cell, memory_dims, total_cell
from cnncalc.render.values import Column, shape_text, text
from cnncalc.sym import Dim

PAGE = 480  # the width cli/report.py gives rich off a terminal: wide symbolic totals fit
_ONE_CELL = frozenset("×·−⌊⌋⌈⌉…²³¹⁰⁴⁵⁶⁷⁸⁹—Σᵀ")  # non-ASCII characters cnncalc prints, each 1 wide
_EMOJI = re.compile(r":\S*?:")  # the shape of rich's emoji codes (:smile:), known or not


def title(report: Report, ascii: bool) -> str:
    return f"{report.name} — input N×{shape_text(report.input_shape, ascii)}"


def right_aligned(column: Column) -> bool:
    return column not in (Column.NAME, Column.TYPE)


def summary(report: Report, dtype: str, ascii: bool) -> str:
    """The lines under a params table: totals, connections and MACs, memory."""
    m = memory_dims(report, dtype)
    t = report.totals
    mb = 1024 * 1024

    def size(v: Dim) -> str:
        if not isinstance(v, int):
            return f"{text(v, ascii)} bytes"
        # in integers, rounding half to even as float formatting does: no overflow on huge v
        q, r = divmod(v * 100, mb)
        q += 2 * r > mb or (2 * r == mb and q % 2 == 1)
        return f"{q // 100:,}.{q % 100:02d} MB"

    return (
        f"Trainable params: {text(t.trainable, ascii)}"
        f"   Non-trainable params: {text(t.fixed, ascii)}   Buffers: {text(t.buffers, ascii)}\n"
        f"Connections: {text(t.connections, ascii)}   MACs: {text(t.macs, ascii)}"
        f"   FLOPs (2×MACs): {text(2 * t.macs, ascii)}\n"
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


def _as_is(s: str, markup: bool) -> bool:
    """Whether rich prints s unchanged, one cell per character."""
    return (
        s == s.strip()
        and not (markup and "[" in s)
        and not _EMOJI.search(s)
        and all(" " <= ch <= "~" or ch in _ONE_CELL for ch in s)
    )


def draw(
    report: Report,
    columns: Sequence[Column],
    *,
    totals: bool,
    explain: bool = False,
    dtype: str = "float32",
    ascii: bool = False,
) -> str | None:
    """What print_table prints on a plain PAGE-wide page, or None where rich must do it."""
    head = [c.value for c in columns]
    rows = [[cell(s, c, ascii) for c in columns] for s in report.layers]
    grid = [head, *rows]
    if totals:
        grid.append([total_cell(report, c, ascii) for c in columns])
    after = [f"{s.name}: {line}" for s in report.layers for line in s.explain()] if explain else []
    if totals:
        after += summary(report, dtype, ascii).split("\n")
    widths = [max(len(r[i]) for r in grid) for i in range(len(columns))]
    width = sum(widths) + 3 * len(widths) + 1
    top = title(report, ascii)
    if (
        width > PAGE
        or len(top) > width
        or any(len(line) > PAGE for line in after)
        or not all(_as_is(s, markup=True) for s in (top, *(x for r in grid for x in r)))
        or not all(_as_is(line, markup=False) for line in after)
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

    out = [top.ljust(width), rule("┏", "┳", "┓", "━"), row(head, "┃"), rule("┡", "╇", "┩", "━")]
    out += [row(r, "│") for r in rows]
    if totals:
        out += [rule("├", "┼", "┤", "─"), row(grid[-1], "│")]
    out.append(rule("└", "┴", "┘", "─"))
    return "\n".join([*out, *after]) + "\n"
