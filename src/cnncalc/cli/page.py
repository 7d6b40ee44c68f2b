"""cnncalc report SPEC -o report.html: one HTML file that works offline (api.html_report)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli.common import fail, guarded, writing
from cnncalc.cli.options import SYMBOLS
from cnncalc.cli.typer_options import InputOpt, SpecArg, option
from cnncalc.errors import ExitCode

OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="write the page here (default: standard output)"),
]

SymbolsOpt = Annotated[str | None, option(SYMBOLS)]


def report(
    spec: SpecArg, output: OutputOpt = None, input: InputOpt = None, symbols: SymbolsOpt = None
) -> None:
    """Write one HTML page: the diagram (pan, zoom, fold blocks, click a node for its row and
    arithmetic), the sortable table, totals, receptive fields, memory and lint findings."""
    from cnncalc.api import html_report
    from cnncalc.api import report as analyzed

    rep = guarded(lambda: analyzed(str(spec), input, symbols))
    page = guarded(lambda: html_report(rep))
    if output is None:
        with writing():  # a failed write is one line, not a bug
            print(page)
        return
    try:
        output.write_text(page, encoding="utf-8")
    except OSError as err:
        fail(f"cnncalc: cannot write {output}: {err.strerror}", ExitCode.USAGE)
    print(f"wrote {output}: {len(page.encode('utf-8')):,} bytes", file=sys.stderr)
