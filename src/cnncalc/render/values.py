"""Turning Dims into JSON-able values and display text; the report's columns as data."""

from __future__ import annotations

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
    return sep.join(text(d, ascii).replace(",", "") if isinstance(d, int) else text(d, ascii) for d in s)


class Column(Enum):
    """Table columns: key, header."""

    NAME = "Layer"
    TYPE = "Type"
    OUTPUT = "Output (N×…)"
    PARAMS = "Params"
    TRAINABLE = "Trainable"
    CONNECTIONS = "Connections"
    MACS = "MACs"


SHAPE_COLUMNS = (Column.NAME, Column.TYPE, Column.OUTPUT)
PARAM_COLUMNS = (Column.NAME, Column.TYPE, Column.OUTPUT, Column.PARAMS, Column.TRAINABLE, Column.CONNECTIONS, Column.MACS)
