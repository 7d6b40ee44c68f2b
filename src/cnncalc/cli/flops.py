"""cnncalc flops SPEC: the network's operation count under each peer tool's convention,
side by side, with why each differs and the tools' known miscounts (docs/conventions.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from cnncalc.cli.common import guarded, writing
from cnncalc.cli.typer_options import InputOpt, SpecArg


class FlopsFormat(StrEnum):
    table = "table"
    json = "json"


class Units(StrEnum):
    exact = "exact"
    si = "si"


def flops(
    spec: SpecArg,
    input: InputOpt = None,
    format: Annotated[
        FlopsFormat, typer.Option("--format", "-f", help="output format")
    ] = FlopsFormat.table,
    units: Annotated[
        Units, typer.Option("--units", help="exact figures, or si: 25.6M, 4.09G (text only)")
    ] = Units.exact,
) -> None:
    """One row per counting convention (cnncalc, torch's FlopCounterMode, fvcore, ptflops,
    thop, torchinfo), its total and why it differs; flags each tool's known miscounts."""
    from cnncalc.api import analyze, load, parse_input
    from cnncalc.conventions import tallies
    from cnncalc.errors import UsageError
    from cnncalc.render import flops as render

    def run() -> str:
        net = load(spec)
        report = analyze(net, parse_input(input, net) if input else None)
        if not all(isinstance(d, int) for d in report.input_shape):
            raise UsageError("flops needs a concrete input: give --input, e.g. 3x224x224")
        found = tallies(report)
        if format == FlopsFormat.json:
            return render.as_json(report, found)
        return render.text(report, found, units.value)

    text = guarded(run)
    with writing():
        print(text)
