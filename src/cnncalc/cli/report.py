"""`cnncalc shapes` and `cnncalc params`: one report, two sets of columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cnncalc.cli.common import By, DType, Format, Units, guarded, unicode_stdout, writing
from cnncalc.render.values import PARAM_COLUMNS, RF_COLUMNS, SHAPE_COLUMNS, Column

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report

RICH_ROWS = 2_000  # past this many layers a terminal gets the plain drawer (no styles)


def emit(
    spec: str,
    input_text: str | None,
    fmt: Format,
    *,
    full: bool,
    explain: bool = False,
    dtype: DType = DType.float32,
    ascii: bool = False,
    depth: int | None = None,
    rf: bool = False,
    symbols_text: str | None = None,
    sets: list[str] | None = None,
    convention: str | None = None,
    by: By | None = None,
    units: Units = Units.exact,
    tree: bool = False,
) -> None:
    from cnncalc.api import report

    rep = guarded(lambda: report(spec, input_text, symbols_text, sets))
    if tree:
        if by is not None or rf or explain or convention is not None:
            guarded(lambda: _refuse("--tree: use it without --by, --rf, --explain, --convention"))
        _tree(rep, fmt, units, depth, ascii or not unicode_stdout())
        return
    if by is not None:
        _breakdown(rep, by, fmt, dtype, units, depth, rf or explain or convention is not None)
        return
    fields = None
    if rf:  # receptive fields, traced on the unfolded report
        from cnncalc.analysis.receptive import receptive_fields, with_fields

        fields = guarded(lambda: receptive_fields(rep))
    if convention is not None:  # a peer tool's count per layer (docs/conventions.md)
        from cnncalc.conventions import with_convention

        if depth is not None:
            guarded(lambda: _refuse("--convention counts layers: use it without --depth"))
        rep = guarded(lambda: with_convention(rep, convention))
    if depth is not None:  # fold blocks to `depth` levels, a subtotal per block
        from cnncalc.analysis.fold import fold

        rep = guarded(lambda: fold(rep, depth))
    ascii = ascii or not unicode_stdout()  # a stdout that cannot print ×, ⌊⌋: ASCII
    columns: Sequence[Column] = PARAM_COLUMNS if full else SHAPE_COLUMNS
    if fields is not None:
        rep = with_fields(rep, fields)
        columns = (*columns, *RF_COLUMNS)
    if convention is not None:
        columns = (*columns, Column.CONVENTION)
    with writing():  # a failed write is one line, not a bug
        if fmt is Format.json:
            from cnncalc.render.json import render

            print(render(rep, full, dtype.value, explain, ascii))
        elif fmt is Format.csv:
            from cnncalc.render.text import csv_table

            text = csv_table(
                rep, columns, totals=full, explain=explain, ascii=ascii, units=units.value
            )
            print(text, end="")
        elif fmt is Format.markdown:
            from cnncalc.render.text import markdown_table

            text = markdown_table(
                rep, columns, totals=full, ascii=ascii, explain=explain, units=units.value
            )
            print(text, end="")
        else:
            import sys

            from cnncalc.render.boxtable import PAGE, draw, plain_stdout

            # off a terminal, rich's plain output without rich's cost, where it is sure to match;
            # on one, past RICH_ROWS layers too, unstyled: rich takes ~0.8 ms a row
            # (docs/performance.md), seconds for a spec of thousands of layers
            drawn = None
            if plain_stdout():
                drawn = draw(
                    rep,
                    columns,
                    totals=full,
                    explain=explain,
                    dtype=dtype.value,
                    ascii=ascii,
                    units=units.value,
                )
            elif len(rep.layers) > RICH_ROWS:
                import shutil

                width = shutil.get_terminal_size().columns  # COLUMNS first, as rich reads it
                drawn = draw(
                    rep,
                    columns,
                    totals=full,
                    explain=explain,
                    dtype=dtype.value,
                    ascii=ascii,
                    page=width,
                    units=units.value,
                )
            if drawn is not None:
                print(drawn, end="")
                return
            from rich.console import Console

            from cnncalc.render.table import print_table

            # off a terminal rich assumes 80 columns; a wider page keeps figures unbroken in files
            console = Console() if sys.stdout.isatty() else Console(width=PAGE)
            print_table(
                rep,
                columns,
                console,
                totals=full,
                explain=explain,
                dtype=dtype.value,
                ascii=ascii,
                units=units.value,
            )


def _refuse(message: str) -> None:
    from cnncalc.errors import UsageError

    raise UsageError(message)


def _breakdown(
    rep: Report, by: By, fmt: Format, dtype: DType, units: Units, depth: int | None, extra: bool
) -> None:
    from cnncalc.analysis.breakdown import by_block, by_type
    from cnncalc.render import breakdown as render

    if extra:
        guarded(lambda: _refuse("--by shows groups: use it without --rf, --explain, --convention"))
    if by is By.type and depth is not None:
        guarded(lambda: _refuse("--depth sets --by block's level; --by type has none"))
    groups = guarded(lambda: by_type(rep) if by is By.type else by_block(rep, depth or 1))
    with writing():
        if fmt is Format.json:
            print(render.as_json(rep, groups, by.value, depth, dtype.value))
        elif fmt is Format.csv:
            print(render.csv(groups, dtype.value, units.value), end="")
        elif fmt is Format.markdown:
            print(render.markdown(rep, groups, by.value, dtype.value, units.value), end="")
        else:
            print(render.table(rep, groups, by.value, dtype.value, units.value))


def _tree(rep: Report, fmt: Format, units: Units, depth: int | None, ascii: bool) -> None:
    from cnncalc.analysis.tree import tree
    from cnncalc.render import tree as render

    if depth is not None and depth < 1:
        guarded(lambda: _refuse(f"--depth {depth}: give 1 or more"))
    root = tree(rep)
    with writing():
        if fmt is Format.json:
            print(render.as_json(root, depth))
        elif fmt is Format.csv:
            print(render.csv(root, depth, units.value), end="")
        elif fmt is Format.markdown:
            print(render.markdown(root, depth, units.value), end="")
        else:
            print(render.table(root, depth, units.value, ascii))
