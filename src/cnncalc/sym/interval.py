"""Sound interval arithmetic on exact integers; None stands for an unbounded side."""

from __future__ import annotations

from typing import TypeAlias

Interval: TypeAlias = tuple[int | None, int | None]

# An extended integer as (infinity sign, finite value): tuples order it correctly, so
# min/max over endpoint products need no special cases.
_X: TypeAlias = tuple[int, int]


def _lo(v: int | None) -> _X:
    return (-1, 0) if v is None else (0, v)


def _hi(v: int | None) -> _X:
    return (1, 0) if v is None else (0, v)


def _back(x: _X) -> int | None:
    return None if x[0] else x[1]


def _sign(x: _X) -> int:
    return x[0] or (x[1] > 0) - (x[1] < 0)


def _xmul(x: _X, y: _X) -> _X:
    if not x[0] and not y[0]:
        return (0, x[1] * y[1])
    # 0·∞ = 0 is right for closed intervals: the finite factor really is 0
    return (_sign(x) * _sign(y), 0)


def _xpow(x: _X, n: int) -> _X:
    return (0, x[1] ** n) if not x[0] else (x[0] ** n, 0)


def add(a: Interval, b: Interval) -> Interval:
    lo = None if a[0] is None or b[0] is None else a[0] + b[0]
    hi = None if a[1] is None or b[1] is None else a[1] + b[1]
    return (lo, hi)


def mul(a: Interval, b: Interval) -> Interval:
    ps = [_xmul(x, y) for x in (_lo(a[0]), _hi(a[1])) for y in (_lo(b[0]), _hi(b[1]))]
    return (_back(min(ps)), _back(max(ps)))


def power(a: Interval, n: int) -> Interval:
    lo, hi = _lo(a[0]), _hi(a[1])
    if n == 0:
        return (1, 1)
    if n % 2 or _sign(lo) >= 0:  # monotone increasing on the interval
        return (_back(_xpow(lo, n)), _back(_xpow(hi, n)))
    if _sign(hi) <= 0:  # even power of non-positive values: decreasing
        return (_back(_xpow(hi, n)), _back(_xpow(lo, n)))
    return (0, _back(max(_xpow(lo, n), _xpow(hi, n))))


def floordiv(a: Interval, c: int) -> Interval:
    """⌊a/c⌋ for c > 0 (monotone, so endpoints map to endpoints)."""
    return (None if a[0] is None else a[0] // c, None if a[1] is None else a[1] // c)


def maximum(a: Interval, b: Interval) -> Interval:
    return (_back(max(_lo(a[0]), _lo(b[0]))), _back(max(_hi(a[1]), _hi(b[1]))))


def minimum(a: Interval, b: Interval) -> Interval:
    return (_back(min(_lo(a[0]), _lo(b[0]))), _back(min(_hi(a[1]), _hi(b[1]))))
