"""roll: output coordinate c along a rolled axis of size n reads input coordinate
(c - shift) mod n (an index remap; no arithmetic)."""

from __future__ import annotations

from cnncalc.layers.roll import Roll

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Roll)
def roll(ctx: Ctx, layer: Roll, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    shift = [0] * len(x)
    for a, s in layer.pairs(x):
        shift[a] += s
    body = ["int r = i, s = 0;"]
    for a in reversed(range(len(x))):
        n, stride = x[a], prod(x[a + 1 :])
        k = -shift[a] % n  # c - shift ≡ c + k (mod n), k in [0, n)
        c = f"(r % {n} + {k}) % {n}" if k else f"r % {n}"
        body.append(f"s += {c} * {stride}; r /= {n};")
    body.append("v = x0(s);")
    return ctx.loop(prod(y), body, ins)
