"""cnncalc.sym: exact symbolic integers for shapes whose sizes are only known within bounds.

Layer rules are written once with Python operators over `Dim = int | Expr`; on symbols they
build a canonical polynomial over symbols, ⌊poly/c⌋, max and min, simplified so that a
ResNet stem on H prints ⌈H/32⌉, and any constant result is a plain int.
"""

from .expr import (
    Dim,
    Expr,
    Symbol,
    bounds,
    ceildiv,
    dmax,
    dmin,
    evaluate,
    floordiv,
    free_symbols,
)
from .parse import parse
from .render import render

__all__ = [
    "Dim",
    "Expr",
    "Symbol",
    "bounds",
    "ceildiv",
    "dmax",
    "dmin",
    "evaluate",
    "floordiv",
    "free_symbols",
    "parse",
    "render",
]
