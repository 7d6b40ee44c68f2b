"""Simplification into the canonical form: floor division, max/min, and the bounds they use.

Rules, each exact for integers (c > 0):
  ⌊n/−c⌋ = ⌊−n/c⌋                      ⌊n/1⌋ = n
  ⌊n/c⌋ = −⌊(−n + c − 1)/c⌋             so the numerator's leading coefficient is positive
  ⌊(q·c·m + r)/c⌋ = q·m + ⌊r/c⌋          pull multiples of c out of the coefficients
  ⌊(g·x + r)/(g·c)⌋ = ⌊(x + ⌊r/g⌋)/c⌋    common factor of the divisor and the coefficients
  ⌊x/a⌋ + y = ⌊(x + a·y)/a⌋ and ⌊⌊z/a⌋/b⌋ = ⌊z/(a·b)⌋   nested floors merge
  ⌊n/c⌋ = k when bounds put all of n in [k·c, k·c + c − 1]
With the constant reduced into [0, c), ⌊(H − 1)/2⌋ + 1 and ⌈H/2⌉ both become ⌊(H + 1)/2⌋,
which render.py prints as ⌈H/2⌉ (⌈x/c⌉ = ⌊(x + c − 1)/c⌋).
"""

from __future__ import annotations

import math
from functools import lru_cache

from . import interval as iv
from .poly import (
    Atom,
    Ext,
    Floor,
    Mono,
    Sym,
    Terms,
    add,
    atoms,
    canon,
    const,
    constant_of,
    neg,
    scale,
    terms_key,
    terms_size,
    value,
)

# One-symbol bounds evaluate exhaustively: a whole range up to MAX_SPAN values, or two
# periods of a quasi-linear expression; either only within EVAL_BUDGET atom evaluations.
MAX_SPAN = 512
EVAL_BUDGET = 20_000
# Multiples of c are pulled out of ⌊(a·m + …)/c⌋ leaving a remainder only for atoms up to this
# size (⌊(3·⌈H/2⌉ + 1)/2⌋ = ⌈H/2⌉ + ⌈H/4⌉); bigger ones keep their coefficient inside.
MAX_SPLIT = 8


def floor_terms(num: Terms, c: int) -> Terms:
    """⌊num/c⌋ in canonical form."""
    if c == 0:
        raise ZeroDivisionError("integer division by zero")
    if c < 0:
        num, c = neg(num), -c
    k = constant_of(num)
    if k is not None:
        return const(k // c)
    if c == 1:
        return num
    if num[0][1] < 0:
        return neg(floor_terms(add(neg(num), const(c - 1)), c))
    decided = _decided(num, c)
    if decided is not None:
        return const(decided)
    quot: dict[Mono, int] = {}
    rem: dict[Mono, int] = {}
    for m, a in num:
        q, r = divmod(a, c)
        if q and r and any(x.size > MAX_SPLIT for x, _ in m):
            q, r = 0, a  # a split would copy a big atom in and out: repeated, that is exponential
        quot[m], rem[m] = q, r
    return add(canon(quot), _floor_reduced(canon(rem), c))


def _floor_reduced(rem: Terms, c: int) -> Terms:
    """⌊rem/c⌋ with the constant in [0, c), other coefficients in [1, c) but for big atoms."""
    if constant_of(rem) is not None:
        return ()
    g = math.gcd(c, *(a for m, a in rem if m))
    if g > 1:  # ⌊(g·x + r)/(g·c')⌋ = ⌊(x + ⌊r/g⌋)/c'⌋ for integer x
        rem, c = canon({m: a // g for m, a in rem}), c // g
    decided = _decided(rem, c)
    if decided is not None:
        return const(decided)
    for m, a in rem:
        if a != 1 or len(m) != 1 or m[0][1] != 1:
            continue
        f = m[0][0]
        if isinstance(f, Floor):
            rest = tuple(t for t in rem if t[0] != m)
            return floor_terms(add(f.num, scale(rest, f.den)), f.den * c)
    return ((((Floor(rem, c), 1),), 1),)


def _decided(num: Terms, c: int) -> int | None:
    lo, hi = bounds_terms(num)
    if lo is not None and hi is not None and lo // c == hi // c:
        return lo // c
    return None


def extremum(op: str, a: Terms, b: Terms) -> Terms:
    """max(a, b) or min(a, b): one side when bounds of a − b decide, else an atom."""
    lo, hi = bounds_terms(add(a, neg(b)))
    if lo is not None and lo >= 0:
        return a if op == "max" else b
    if hi is not None and hi <= 0:
        return b if op == "max" else a
    if terms_key(b) < terms_key(a):
        a, b = b, a
    return ((((Ext(op, a, b), 1),), 1),)


@lru_cache(maxsize=1 << 14)
def bounds_terms(t: Terms) -> iv.Interval:
    """Sound (min, max) of t over its symbols' bounds. Exact for one symbol with a short
    range, or linear in one symbol and floors of such (conv/pool chains); else interval
    arithmetic per term (exact for sums of monotone terms with positive coefficients)."""
    k = constant_of(t)
    if k is not None:
        return (k, k)
    exact = _one_symbol(t)
    if exact is not None:
        return exact
    total: iv.Interval = (0, 0)
    for m, c in t:
        b: iv.Interval = (c, c)
        for a, e in m:
            b = iv.mul(b, iv.power(_atom_bounds(a), e))
        total = iv.add(total, b)
    return total


def _atom_bounds(a: Atom) -> iv.Interval:
    if isinstance(a, Sym):
        return (a.lo, a.hi)
    if isinstance(a, Floor):
        return iv.floordiv(bounds_terms(a.num), a.den)
    assert isinstance(a, Ext)
    x, y = bounds_terms(a.args[0]), bounds_terms(a.args[1])
    return iv.maximum(x, y) if a.op == "max" else iv.minimum(x, y)


def _period(t: Terms, syms: set[Sym]) -> int | None:
    """L with t(v + L) − t(v) constant, if t is linear over symbols and floors of such."""
    period = 1
    for m, _ in t:
        if not m:
            continue
        a = m[0][0]
        if len(m) != 1 or m[0][1] != 1:
            return None
        if isinstance(a, Sym):
            syms.add(a)
        elif isinstance(a, Floor):
            p = _period(a.num, syms)
            if p is None:
                return None
            period = math.lcm(period, p * a.den)
        else:
            return None
    return period


def _one_symbol(t: Terms) -> iv.Interval | None:
    """Exact bounds when t has one symbol s: every value when s has a short range, else for
    quasi-linear t: t(s + L) = t(s) + Δ puts the extremes in the first period (and in the
    last one when s is bounded above)."""
    syms: set[Sym] = set()
    p = _period(t, syms)
    if p is None:
        syms = {a for a in atoms(t) if isinstance(a, Sym)}
    if len(syms) != 1:
        return None
    (s,) = syms
    lo, hi = s.lo, s.hi

    def f(v: int) -> int:
        return value(t, {s.name: v})

    cost = terms_size(t)
    if hi is not None and hi - lo < MAX_SPAN and (hi - lo + 1) * cost <= EVAL_BUDGET:
        every = [f(v) for v in range(lo, hi + 1)]
        return (min(every), max(every))
    if p is None or 2 * p * cost > EVAL_BUDGET:
        return None
    first = [f(v) for v in range(lo, (lo + p if hi is None else min(hi + 1, lo + p)))]
    last = None if hi is None else [f(v) for v in range(max(lo, hi - p + 1), hi + 1)]
    delta = f(lo + p) - f(lo)
    if delta == 0:  # periodic: the first period (or the whole range) has every value
        return (min(first), max(first))
    if delta > 0:
        return (min(first), None if last is None else max(last))
    return (None if last is None else min(last), max(first))
