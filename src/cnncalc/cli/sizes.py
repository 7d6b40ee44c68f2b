"""cnncalc sizes SPEC: the smallest input every layer accepts, and which sizes pass exactly."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cnncalc.cli.common import guarded, unicode_stdout, writing
from cnncalc.cli.typer_options import AsciiOpt, InputOpt, SetOpt, SpecArg


class SizesFormat(StrEnum):
    table = "table"
    json = "json"


def sizes(
    spec: SpecArg,
    input: InputOpt = None,
    range: Annotated[
        str, typer.Option("--range", "-r", help="the sizes to list, LOW:HIGH")
    ] = "1:512",
    format: Annotated[
        SizesFormat, typer.Option("--format", "-f", help="output format")
    ] = SizesFormat.table,
    ascii: AsciiOpt = False,
    sets: SetOpt = None,
) -> None:
    """Smallest input every layer accepts; which sizes pass every layer without a remainder.

    Symbolic input sizes (--input 3xHxW) are the variables; otherwise each spatial size of the
    spec's input is taken as one (H, W). docs/symbolic.md explains the criteria."""
    from cnncalc.analysis.sizes import parse_range
    from cnncalc.analysis.sizes import sizes as solve
    from cnncalc.api import load, parse_input, parse_sets
    from cnncalc.render import sizes as out

    def run() -> str:
        span = parse_range(range)
        net = load(spec, parse_sets(sets) if sets else None)
        x = parse_input(input, net) if input else None
        report = solve(net, x, span)
        plain = ascii or not unicode_stdout()  # a stdout that cannot print ⌊⌋: ASCII
        return out.to_json(report, plain) if format is SizesFormat.json else out.text(report, plain)

    text = guarded(run)
    with writing():  # a failed write is one line, not a bug
        print(text, end="" if format is SizesFormat.table else "\n")
