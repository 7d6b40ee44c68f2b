"""Turning Dims into JSON-able values and display text; the report's columns as data."""

from __future__ import annotations

import re
from enum import Enum

from cnncalc.layers.base import Shape
from cnncalc.sym import Dim, render

DTYPE_BYTES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int8": 1, "uint8": 1}


def value(d: Dim) -> int | str:
    """Ints stay ints; symbolic values become their ASCII formula (cnncalc.sym.parse reads it)."""
    return d if isinstance(d, int) else render(d, ascii=True)


def shape_value(s: Shape) -> list[int | str]:
    return [value(d) for d in s]


def text(d: Dim, ascii: bool = False) -> str:
    return f"{d:,}" if isinstance(d, int) else render(d, ascii=ascii)


def shape_text(s: Shape, ascii: bool = False) -> str:
    sep = "x" if ascii else "×"
    if len(s) == 1:  # one size alone needs no brackets
        return text(s[0], ascii).replace(",", "")
    return sep.join(
        text(d, ascii).replace(",", "") if isinstance(d, int) else factor_text(d, ascii) for d in s
    )


def factor_text(d: Dim, ascii: bool = False) -> str:
    """text(d), in parentheses where a sum would misread next to × or ·: 16×(⌈L/2⌉ - 1)."""
    t = text(d, ascii)
    return f"({t})" if not isinstance(d, int) and (len(d.terms) > 1 or d.terms[0][1] < 0) else t


# --ascii: the non-ASCII characters cnncalc itself prints, as cnncalc.sym's ASCII forms write
# them (floor(), **2); anything else (a name's é) is escaped as Python writes it (\xe9)
_TO_ASCII = str.maketrans(
    {
        "×": "x",
        "·": "*",
        "−": "-",
        "—": "-",
        "–": "-",
        "…": "...",
        "⌊": "floor(",
        "⌋": ")",
        "⌈": "ceil(",
        "⌉": ")",
        "Σ": "sum ",
        "ᵀ": "^T",
        "÷": "/",
    }
)
_SUPERSCRIPTS = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_FROM_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")


def to_ascii(s: str) -> str:
    """Text as --ascii prints it: pure ASCII, cnncalc's symbols spelt as its ASCII formulas."""
    if s.isascii():
        return s
    s = _SUPERSCRIPTS.sub(lambda m: "**" + m.group().translate(_FROM_SUPERSCRIPT), s)
    s = s.translate(_TO_ASCII)
    return s.encode("ascii", "backslashreplace").decode("ascii")


def header(col: Column, ascii: bool) -> str:
    return to_ascii(col.value) if ascii else col.value


class Column(Enum):
    """Table columns: key, header."""

    NAME = "Layer"
    TYPE = "Type"
    OUTPUT = "Output (N×…)"
    PARAMS = "Params"
    TRAINABLE = "Trainable"
    CONNECTIONS = "Connections"
    MACS = "MACs"
    RF = "RF"  # receptive field, per spatial axis (cnncalc params --rf)
    JUMP = "Jump"
    RF_OFFSET = "RF offset"
    CONVENTION = "Convention"  # a peer tool's count (cnncalc params --convention)


SHAPE_COLUMNS = (Column.NAME, Column.TYPE, Column.OUTPUT)
RF_COLUMNS = (Column.RF, Column.JUMP, Column.RF_OFFSET)
PARAM_COLUMNS = (
    Column.NAME,
    Column.TYPE,
    Column.OUTPUT,
    Column.PARAMS,
    Column.TRAINABLE,
    Column.CONNECTIONS,
    Column.MACS,
)
