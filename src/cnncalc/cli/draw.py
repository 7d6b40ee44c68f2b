"""cnncalc draw SPEC -o net.svg: the network as a diagram (SVG, PNG or PDF, by the suffix)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli.common import guarded, writing
from cnncalc.cli.options import DEPTH, SYMBOLS
from cnncalc.cli.typer_options import InputOpt, SpecArg, option


class RankDir(StrEnum):
    TB = "TB"
    LR = "LR"


class Style(StrEnum):
    graph = "graph"
    stack = "stack"


def draw(
    spec: SpecArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the file to write: .svg, .png or .pdf (PNG/PDF need the image extra); "
            "- writes SVG to stdout",
            show_default=False,
        ),
    ],
    input: InputOpt = None,
    symbols: Annotated[str | None, option(SYMBOLS)] = None,
    depth: Annotated[
        int | None,
        typer.Option(*DEPTH.names, help="one box per block N levels down", show_default=False),
    ] = None,
    rankdir: Annotated[
        RankDir, typer.Option("--rankdir", help="TB: top to bottom; LR: left to right")
    ] = RankDir.TB,
    style: Annotated[
        Style,
        typer.Option("--style", help="graph: boxes and edges; stack: feature maps in perspective"),
    ] = Style.graph,
) -> None:
    """Draw the network: one box per layer (or block, --depth) with its type, arguments and
    output shape, edges labelled with tensor shapes (docs/draw.md)."""
    from cnncalc.api import report
    from cnncalc.errors import CnncalcError, UsageError
    from cnncalc.render.diagram import svg
    from cnncalc.render.image import FORMATS, convert

    to_stdout = str(output) == "-"
    fmt = "svg" if to_stdout else output.suffix.lower().lstrip(".")

    def run() -> bytes:
        if fmt not in FORMATS:
            raise UsageError(f"-o {output}: give a file ending in .svg, .png or .pdf")
        r = report(spec, input, symbols)
        data = convert(svg(r, depth=depth, rankdir=rankdir.value, style=style.value), fmt)
        if not to_stdout:
            try:
                output.write_bytes(data)
            except OSError as err:
                raise CnncalcError(f"cannot write {output}: {err.strerror}") from None
        return data

    data = guarded(run)
    if to_stdout:
        with writing():
            sys.stdout.write(data.decode("utf-8"))
