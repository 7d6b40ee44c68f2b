"""cnncalc shapes SPEC: every layer's output shape."""

from __future__ import annotations

from cnncalc.cli.common import Format
from cnncalc.cli.options import AsciiOpt, FormatOpt, InputOpt, SpecArg, SymbolsOpt
from cnncalc.cli.report import emit


def shapes(
    spec: SpecArg,
    input: InputOpt = None,
    symbols: SymbolsOpt = None,
    format: FormatOpt = Format.table,
    ascii: AsciiOpt = False,
) -> None:
    """Print every layer's output shape (batch dimension N implicit)."""
    emit(str(spec), input, format, full=False, ascii=ascii, symbols_text=symbols)
