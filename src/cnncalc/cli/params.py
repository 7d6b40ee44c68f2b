"""cnncalc params SPEC: shapes, parameters, connections and MACs per layer, with totals."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc.cli.common import DType, Format
from cnncalc.cli.options import AsciiOpt, FormatOpt, InputOpt, SpecArg, SymbolsOpt
from cnncalc.cli.report import emit


def params(
    spec: SpecArg,
    input: InputOpt = None,
    symbols: SymbolsOpt = None,
    format: FormatOpt = Format.table,
    explain: Annotated[
        bool, typer.Option("--explain", "-e", help="show each layer's arithmetic")
    ] = False,
    dtype: Annotated[
        DType, typer.Option("--dtype", help="element type for memory figures")
    ] = DType.float32,
    ascii: AsciiOpt = False,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            "-d",
            help="fold blocks to N levels, with a subtotal row per block",
            show_default=False,
        ),
    ] = None,
    rf: Annotated[
        bool,
        typer.Option("--rf", help="add each layer's receptive field, jump and offset"),
    ] = False,
) -> None:
    """Print shapes, parameters (trainable, fixed, buffers), connections and MACs, with totals."""
    emit(
        str(spec),
        input,
        format,
        full=True,
        explain=explain,
        dtype=dtype,
        ascii=ascii,
        depth=depth,
        rf=rf,
        symbols_text=symbols,
    )
