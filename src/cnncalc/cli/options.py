"""typer's declarations of the options `shapes` and `params` share. Kept apart from
cli/common.py so that the error mapping there imports without typer (cli/fast.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli.common import Format

SpecArg = Annotated[
    Path,
    typer.Argument(
        help="the network spec (YAML; - reads it from stdin)", show_default=False, metavar="SPEC"
    ),
]
InputOpt = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        help="override the spec's input, e.g. 3x224x224 or 3xHxW",
        show_default=False,
    ),
]
SymbolsOpt = Annotated[
    str | None,
    typer.Option(
        "--symbols",
        help="bound the input's symbols, e.g. 'H>=32, W>=32' or '32<=H<=4096' "
        "(over the spec's symbols:)",
        show_default=False,
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
AsciiOpt = Annotated[
    bool,
    typer.Option(
        "--ascii", help="pure ASCII output: x, *, floor(), ceil(), +-| boxes for the symbols"
    ),
]
