"""The core proof: random expression trees built by ONE function over ints and over symbols
(as layer rules are) agree everywhere; bounds are sound; render → parse round-trips."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.sym import (
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
    interval,
    parse,
    render,
    simplify,
)

NAMES = ("H", "W", "C")

Tree = tuple[Any, ...]
Bounds = dict[str, tuple[int, int | None]]

_nonzero = st.integers(-7, 7).filter(bool)
_window = st.tuples(
    st.integers(1, 7), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3), st.booleans()
)

leaves = st.one_of(
    st.sampled_from([("sym", n) for n in NAMES]),
    st.integers(-5, 9).map(lambda v: ("int", v)),
)


def _extend(kids: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    two = st.sampled_from(["add", "sub", "mul", "max", "min"])
    div = st.sampled_from(["floordiv", "ceildiv", "mod", "negceil"])
    return st.one_of(
        st.tuples(two, kids, kids),
        st.tuples(st.just("neg"), kids),
        st.tuples(div, kids, _nonzero),
        st.tuples(st.just("conv"), kids, _window),
        st.tuples(st.just("convt"), kids, _window),
    )


trees = st.recursive(leaves, _extend, max_leaves=8)


def build(t: Tree, env: Mapping[str, Dim]) -> Dim:
    """The same Python source evaluates the tree over ints and over Exprs."""
    op = t[0]
    if op == "sym":
        return env[t[1]]
    if op == "int":
        return int(t[1])
    a = build(t[1], env)
    if op == "neg":
        return -a
    if op in ("conv", "convt"):
        window: tuple[int, int, int, int, bool] = t[2]
        k, s, p, d, flag = window
        if op == "convt":  # output padding must be < stride
            return (a - 1) * s - 2 * p + d * (k - 1) + (s - 1 if flag else 0) + 1
        if flag:  # ceil mode written the way layer code writes it
            return -((-(a + 2 * p - d * (k - 1) - 1)) // s) + 1
        return (a + 2 * p - d * (k - 1) - 1) // s + 1
    if op in ("floordiv", "ceildiv", "mod", "negceil"):
        c: int = t[2]
        if op == "floordiv":
            return floordiv(a, c) if c % 2 else a // c
        if op == "ceildiv":
            return ceildiv(a, c)
        if op == "mod":
            return a % c
        return -((-a) // c)
    b = build(t[2], env)
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    return dmax(a, b) if op == "max" else dmin(a, b)


def concrete(t: Tree, env: Mapping[str, int]) -> int:
    """The tree evaluated directly with Python ints."""
    v = build(t, env)
    assert isinstance(v, int)
    return v


def symbol_bounds(rnd: random.Random) -> Bounds:
    """Bounds per symbol, some unbounded above (drawn from a plain Random: cheaper than
    hypothesis draws, and the failing seed still reproduces)."""
    out: Bounds = {}
    for n in NAMES:
        lo = rnd.randint(0, 6)
        out[n] = (lo, None if rnd.random() < 0.4 else lo + rnd.randint(0, 40))
    return out


def symbols(b: Bounds) -> dict[str, Expr]:
    return {n: Symbol(n, lo, hi) for n, (lo, hi) in b.items()}


def points(b: Bounds, rnd: random.Random, n: int = 25) -> list[dict[str, int]]:
    """Assignments within bounds: the corners first, then random values (some large)."""

    def pick(lo: int, hi: int | None, i: int) -> int:
        if i == 0:
            return lo
        if i == 1 and hi is not None:
            return hi
        top = hi if hi is not None else lo + (10**6 if rnd.random() < 0.1 else 300)
        return rnd.randint(lo, top)

    return [{k: pick(lo, hi, i) for k, (lo, hi) in b.items()} for i in range(n)]


EXAMPLES = settings(max_examples=300, deadline=None)
SEEDS = st.integers(0, 2**32)


@contextmanager
def never_split() -> Iterator[None]:
    """Big atoms keep coefficients ≥ c inside a floor; make every atom count as big."""
    saved = simplify.MAX_SPLIT
    simplify.MAX_SPLIT = -1
    try:
        yield
    finally:
        simplify.MAX_SPLIT = saved


@EXAMPLES
@given(trees, SEEDS)
def test_simplified_value_equals_integer_evaluation(t: Tree, seed: int) -> None:
    rnd = random.Random(seed)  # plain Random: hypothesis' own is slow per call
    b = symbol_bounds(rnd)
    e = build(t, symbols(b))
    with never_split():
        unsplit = build(t, symbols(b))
    for env in points(b, rnd):
        v = concrete(t, env)
        assert evaluate(e, env) == v, (t, render(e), env)
        assert evaluate(unsplit, env) == v, (t, render(unsplit), env)


@EXAMPLES
@given(trees, SEEDS)
def test_bounds_are_sound(t: Tree, seed: int) -> None:
    rnd = random.Random(seed)  # plain Random: hypothesis' own is slow per call
    b = symbol_bounds(rnd)
    e = build(t, symbols(b))
    lo, hi = bounds(e)
    assert lo is None or hi is None or lo <= hi
    for env in points(b, rnd):
        v = concrete(t, env)
        assert (lo is None or lo <= v) and (hi is None or v <= hi), (render(e), (lo, hi), env, v)


@EXAMPLES
@given(trees, SEEDS)
def test_render_parse_round_trip(t: Tree, seed: int) -> None:
    rnd = random.Random(seed)
    b = symbol_bounds(rnd)
    syms = symbols(b)
    e = build(t, syms)
    for text in (render(e, ascii=True), render(e)):
        back = parse(text, syms)
        assert back == e, (text, render(back, ascii=True))  # the canonical form is a fixed point
        assert free_symbols(back) == free_symbols(e)
        for env in points(b, rnd, 5):
            assert evaluate(back, env) == evaluate(e, env)
    if isinstance(e, Expr):
        assert e.terms and hash(parse(render(e, ascii=True), syms)) == hash(e)


# Conv/pool/transposed-conv chains on one symbol: monotone, so bounds must be exact.
chains = st.lists(st.tuples(st.sampled_from(["conv", "convt"]), _window), min_size=1, max_size=6)


def _chain(layers: list[tuple[str, Any]]) -> Tree:
    t: Tree = ("sym", "H")
    for op, w in layers:
        t = (op, t, w)
    return t


@contextmanager
def period_method_only() -> Iterator[None]:
    """Bounds of short ranges are computed by enumeration; switch that off to test the
    period method (first and last period of a quasi-linear expression) on the same cases."""
    saved = simplify.MAX_SPAN
    simplify.MAX_SPAN = 0
    simplify.bounds_terms.cache_clear()
    try:
        yield
    finally:
        simplify.MAX_SPAN = saved
        simplify.bounds_terms.cache_clear()


@EXAMPLES
@given(chains, st.integers(0, 40), st.integers(0, 150))
def test_bounds_exact_for_one_symbol_chains(
    layers: list[tuple[str, Any]], lo: int, span: int
) -> None:
    t = _chain(layers)
    h = Symbol("H", lo, lo + span)
    values = [concrete(t, {"H": v}) for v in range(lo, lo + span + 1)]
    e = build(t, {"H": h})
    assert [evaluate(e, {"H": v}) for v in range(lo, lo + span + 1)] == values
    with period_method_only():
        assert bounds(build(t, {"H": h})) == (min(values), max(values)), render(e)
        unbounded = build(t, {"H": Symbol("H", lo)})
        assert bounds(unbounded)[0] == values[0]  # the chain is monotone
        assert bounds(unbounded)[1] is None or isinstance(unbounded, int)


@EXAMPLES
@given(
    st.integers(0, 9),
    st.integers(0, 9),
    st.integers(-20, 20),
    st.integers(1, 12),
    st.integers(1, 12),
)
def test_nested_floors_and_ceils_merge(a: int, b: int, c: int, p: int, q: int) -> None:
    # structural equality for non-negative slopes (the shapes of layer formulas); mixed signs
    # may keep another, equally exact form (⌊H/2⌋ + ⌈H/2⌉ = H: both are atoms)
    h, w = Symbol("H"), Symbol("W", 0)
    x = a * h + b * w + c
    assert (x // p) // q == x // (p * q)
    assert ceildiv(ceildiv(x, p), q) == ceildiv(x, p * q)
    assert (p * a * h + p * b * w + c) // p == a * h + b * w + c // p


def _interval(rnd: random.Random) -> tuple[int | None, int | None]:
    lo = rnd.randint(-20, 20)
    hi = lo + rnd.randint(0, 30)
    return (None if rnd.random() < 0.3 else lo, None if rnd.random() < 0.3 else hi)


def _inside(b: tuple[int | None, int | None], rnd: random.Random) -> int:
    lo = b[0] if b[0] is not None else (b[1] if b[1] is not None else 0) - rnd.choice([0, 5, 10**6])
    hi = b[1] if b[1] is not None else lo + rnd.choice([0, 5, 10**6])
    return rnd.randint(lo, hi)


def _contains(b: tuple[int | None, int | None], v: int) -> bool:
    return (b[0] is None or b[0] <= v) and (b[1] is None or v <= b[1])


@EXAMPLES
@given(SEEDS)
def test_interval_arithmetic_is_sound(seed: int) -> None:
    rnd = random.Random(seed)
    a, b, n, c = _interval(rnd), _interval(rnd), rnd.randint(0, 5), rnd.randint(1, 9)
    for _ in range(20):
        x, y = _inside(a, rnd), _inside(b, rnd)
        assert _contains(interval.add(a, b), x + y)
        assert _contains(interval.mul(a, b), x * y), (a, b, x, y)
        assert _contains(interval.power(a, n), x**n), (a, n, x)
        assert _contains(interval.floordiv(a, c), x // c)
        assert _contains(interval.maximum(a, b), max(x, y))
        assert _contains(interval.minimum(a, b), min(x, y))
