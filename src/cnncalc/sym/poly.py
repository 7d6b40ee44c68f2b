"""The canonical form: integer-coefficient polynomials over atoms, as sorted tuples.

An atom is something a polynomial cannot express: a symbol, ⌊poly/c⌋, max or min. A
monomial is a sorted tuple of (atom, exponent); a polynomial (`Terms`) is a sorted tuple
of (monomial, nonzero coefficient), highest degree first, the constant last. Sorting by
structural keys makes equal forms equal tuples, so == and hash are structural.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeAlias

Key: TypeAlias = tuple[object, ...]
Mono: TypeAlias = tuple[tuple["Atom", int], ...]
Terms: TypeAlias = tuple[tuple[Mono, int], ...]


class Atom:
    """Identity is the structural key; its hash is computed once, atoms nest deeply."""

    __slots__ = ("_hash", "key", "size")

    def __init__(self, key: Key, size: int = 1) -> None:
        self.key, self.size = key, size  # size: atoms in the tree, this one included
        self._hash = hash(key)

    def __eq__(self, other: object) -> bool:
        return self is other or (
            isinstance(other, Atom) and self._hash == other._hash and self.key == other.key
        )

    def __hash__(self) -> int:
        return self._hash


class Sym(Atom):
    """A named integer in [lo, hi]; the bounds are part of its identity."""

    __slots__ = ("hi", "lo", "name")

    def __init__(self, name: str, lo: int, hi: int | None) -> None:
        self.name, self.lo, self.hi = name, lo, hi
        super().__init__((0, name, lo, -1 if hi is None else hi))

    def __reduce__(self) -> tuple[type[Sym], tuple[str, int, int | None]]:
        return (Sym, (self.name, self.lo, self.hi))  # rebuild: str hashes differ per process


class Floor(Atom):
    """⌊num/den⌋, den ≥ 2, num already reduced (see simplify.floor_terms)."""

    __slots__ = ("den", "num")

    def __init__(self, num: Terms, den: int) -> None:
        self.num, self.den = num, den
        super().__init__((1, terms_key(num), den), 1 + terms_size(num))

    def __reduce__(self) -> tuple[type[Floor], tuple[Terms, int]]:
        return (Floor, (self.num, self.den))


class Ext(Atom):
    """max(a, b) or min(a, b) that bounds could not decide; a, b in key order."""

    __slots__ = ("args", "op")

    def __init__(self, op: str, a: Terms, b: Terms) -> None:
        self.op, self.args = op, (a, b)
        super().__init__(
            (2 if op == "max" else 3, terms_key(a), terms_key(b)), 1 + terms_size(a) + terms_size(b)
        )

    def __reduce__(self) -> tuple[type[Ext], tuple[str, Terms, Terms]]:
        return (Ext, (self.op, *self.args))


def mono_key(m: Mono) -> Key:
    # higher degree first; within a degree, higher powers of earlier atoms first
    return (-sum(e for _, e in m), tuple((a.key, -e) for a, e in m))


def terms_key(t: Terms) -> Key:
    return tuple((mono_key(m), c) for m, c in t)


def terms_size(t: Terms) -> int:
    return sum(a.size for m, _ in t for a, _ in m)


def canon(d: Mapping[Mono, int]) -> Terms:
    return tuple(sorted(((m, c) for m, c in d.items() if c), key=lambda mc: mono_key(mc[0])))


def const(c: int) -> Terms:
    return (((), c),) if c else ()


def constant_of(t: Terms) -> int | None:
    """The value of a constant polynomial, None if it has atoms."""
    if not t:
        return 0
    return t[0][1] if len(t) == 1 and not t[0][0] else None


def add(a: Terms, b: Terms) -> Terms:
    d = dict(a)
    for m, c in b:
        d[m] = d.get(m, 0) + c
    return canon(d)


def scale(a: Terms, k: int) -> Terms:
    return tuple((m, c * k) for m, c in a) if k else ()  # order is unchanged


def neg(a: Terms) -> Terms:
    return scale(a, -1)


def mono_mul(x: Mono, y: Mono) -> Mono:
    d = dict(x)
    for a, e in y:
        d[a] = d.get(a, 0) + e
    return tuple(sorted(d.items(), key=lambda ae: ae[0].key))


def mul(a: Terms, b: Terms) -> Terms:
    d: dict[Mono, int] = {}
    for x, cx in a:
        for y, cy in b:
            m = mono_mul(x, y)
            d[m] = d.get(m, 0) + cx * cy
    return canon(d)


def degree(t: Terms) -> int:
    return max((sum(e for _, e in m) for m, _ in t), default=0)


def atoms(t: Terms) -> Iterator[Atom]:
    """Every atom, nested ones included (repeats possible)."""
    for m, _ in t:
        for a, _ in m:
            yield a
            if isinstance(a, Floor):
                yield from atoms(a.num)
            elif isinstance(a, Ext):
                yield from atoms(a.args[0])
                yield from atoms(a.args[1])


def value(t: Terms, env: Mapping[str, int]) -> int:
    """Exact value with symbols from env (no bounds checks: callers check)."""
    total = 0
    for m, c in t:
        v = c
        for a, e in m:
            v *= atom_value(a, env) ** e
        total += v
    return total


def atom_value(a: Atom, env: Mapping[str, int]) -> int:
    if isinstance(a, Sym):
        return env[a.name]
    if isinstance(a, Floor):
        return value(a.num, env) // a.den
    assert isinstance(a, Ext)
    x, y = value(a.args[0], env), value(a.args[1], env)
    return max(x, y) if a.op == "max" else min(x, y)
