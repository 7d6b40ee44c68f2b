"""Expr, the symbolic side of Dim, and the functions that work on any Dim.

Shape rules are written once with Python operators; on ints they stay ints, on Exprs they
build the canonical form, and any result without symbols collapses back to an int.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeAlias, TypeGuard

from . import poly
from .interval import Interval
from .poly import Sym, Terms
from .render import terms_text
from .simplify import bounds_terms, extremum, floor_terms

# A name in spec text, as both expression parsers (sym/parse.py, spec/expr.py) read it: a
# symbol, a block, an argument. Symbols may not take the names of the functions in formulas.
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RESERVED = frozenset({"floor", "ceil", "max", "min"})


def is_symbol_name(name: object) -> TypeGuard[str]:
    return isinstance(name, str) and NAME.fullmatch(name) is not None and name not in RESERVED


class Expr:
    """An immutable non-constant symbolic integer; == and hash compare canonical forms."""

    __slots__ = ("_hash", "terms")

    def __init__(self, terms: Terms) -> None:
        self.terms = terms
        self._hash = hash(terms)

    def __reduce__(self) -> tuple[type[Expr], tuple[Terms]]:
        return (Expr, (self.terms,))

    def __add__(self, other: Dim) -> Dim:
        if not isinstance(other, int | Expr):
            return NotImplemented
        return wrap(poly.add(self.terms, as_terms(other)))

    __radd__ = __add__

    def __sub__(self, other: Dim) -> Dim:
        if not isinstance(other, int | Expr):
            return NotImplemented
        return wrap(poly.add(self.terms, poly.neg(as_terms(other))))

    def __rsub__(self, other: int) -> Dim:
        if not isinstance(other, int):
            return NotImplemented
        return wrap(poly.add(poly.const(other), poly.neg(self.terms)))

    def __mul__(self, other: Dim) -> Dim:
        if not isinstance(other, int | Expr):
            return NotImplemented
        return wrap(poly.mul(self.terms, as_terms(other)))

    __rmul__ = __mul__

    def __neg__(self) -> Dim:
        return wrap(poly.neg(self.terms))

    def __pos__(self) -> Dim:
        return self

    def __pow__(self, n: int) -> Dim:
        if not isinstance(n, int) or n < 0:
            return NotImplemented
        out: Terms = poly.const(1)
        for _ in range(n):
            out = poly.mul(out, self.terms)
        return wrap(out)

    def __floordiv__(self, other: Dim) -> Dim:
        if isinstance(other, int):
            return wrap(floor_terms(self.terms, other))
        if isinstance(other, Expr):
            return _exact_div(self, other)
        return NotImplemented

    def __rfloordiv__(self, other: int) -> Dim:
        raise TypeError(f"cannot floor-divide {other} by the symbolic {self}")

    def __mod__(self, other: Dim) -> Dim:
        if isinstance(other, Expr):
            raise TypeError(f"cannot take {self} modulo the symbolic {other}")
        if not isinstance(other, int):
            return NotImplemented
        return self - other * wrap(floor_terms(self.terms, other))

    def __rmod__(self, other: int) -> Dim:
        raise TypeError(f"cannot take {other} modulo the symbolic {self}")

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, Expr) and self._hash == other._hash and self.terms == other.terms
        )

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return terms_text(self.terms, ascii=False)

    def __repr__(self) -> str:
        return f"Expr({terms_text(self.terms, ascii=True)!r})"


Dim: TypeAlias = int | Expr


def as_terms(d: Dim) -> Terms:
    return poly.const(d) if isinstance(d, int) else d.terms


def wrap(t: Terms) -> Dim:
    k = poly.constant_of(t)
    return Expr(t) if k is None else k


def _exact_div(a: Expr, b: Expr) -> Dim:
    """a // b for a symbolic b: only when b divides a exactly (b a monomial, or a = k·b),
    which is right wherever b ≠ 0; anything else would need a new kind of atom."""
    q = _monomial_quotient(a.terms, b.terms[0]) if len(b.terms) == 1 else None
    if q is not None:
        return wrap(q)
    k, r = divmod(a.terms[0][1], b.terms[0][1])
    if r == 0 and poly.scale(b.terms, k) == a.terms:
        return k
    raise TypeError(f"cannot floor-divide {a} by the symbolic {b} (not an exact multiple)")


def _monomial_quotient(t: Terms, divisor: tuple[poly.Mono, int]) -> Terms | None:
    dm, dc = divisor
    out: dict[poly.Mono, int] = {}
    for m, c in t:
        exps = dict(m)
        for atom, e in dm:
            if exps.get(atom, 0) < e:
                return None
            exps[atom] -= e
        if c % dc:
            return None
        left = ((x, e) for x, e in exps.items() if e)
        out[tuple(sorted(left, key=lambda xe: xe[0].key))] = c // dc
    return poly.canon(out)


def Symbol(name: str, min: int = 1, max: int | None = None) -> Expr:
    """A named non-negative integer in [min, max] (max None: unbounded)."""
    if not is_symbol_name(name):
        raise ValueError(f"bad symbol name {name!r}: use an identifier like H or H_in")
    if not isinstance(min, int) or min < 0:
        raise ValueError(f"symbol {name}: min must be an int >= 0, got {min!r}")
    if max is not None and (not isinstance(max, int) or max < min):
        raise ValueError(f"symbol {name}: max must be an int >= min, got {max!r}")
    return Expr(((((Sym(name, min, max), 1),), 1),))


def floordiv(a: Dim, b: int) -> Dim:
    """⌊a/b⌋."""
    return a // b


def ceildiv(a: Dim, b: int) -> Dim:
    """⌈a/b⌉."""
    return -(-a // b)


def dmax(a: Dim, b: Dim) -> Dim:
    """max(a, b); decided from bounds where possible."""
    if isinstance(a, int) and isinstance(b, int):
        return a if a >= b else b
    return wrap(extremum("max", as_terms(a), as_terms(b)))


def dmin(a: Dim, b: Dim) -> Dim:
    """min(a, b); decided from bounds where possible."""
    if isinstance(a, int) and isinstance(b, int):
        return a if a <= b else b
    return wrap(extremum("min", as_terms(a), as_terms(b)))


def bounds(d: Dim) -> Interval:
    """(min, max) over the symbols' bounds, None where unbounded. Sound (the value is always
    inside); exact for sums and floors of one symbol, e.g. conv/pool chains."""
    return (d, d) if isinstance(d, int) else bounds_terms(d.terms)


def _syms(d: Dim) -> set[Sym]:
    return set() if isinstance(d, int) else {a for a in poly.atoms(d.terms) if isinstance(a, Sym)}


def evaluate(d: Dim, env: Mapping[str, int]) -> int:
    """The exact value for the given symbol values (which must lie within their bounds)."""
    if isinstance(d, int):
        return d
    for s in _syms(d):
        v = env[s.name]
        if v < s.lo or (s.hi is not None and v > s.hi):
            raise ValueError(f"{s.name} = {v} is outside its bounds [{s.lo}, {s.hi}]")
    return poly.value(d.terms, env)


def free_symbols(d: Dim) -> frozenset[str]:
    return frozenset(s.name for s in _syms(d))
