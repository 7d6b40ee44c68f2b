"""permute / transpose: output element i, at coordinates c of y, is input element at the
coordinates c put back in x's order (an index remap; no arithmetic)."""

from __future__ import annotations

from cnncalc.layers.permute import Permute, Reorder, Transpose

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Permute, Transpose)
def reorder(ctx: Ctx, layer: Reorder, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x, order = xs[0], layer.order(xs[0])
    strides = [prod(x[a + 1 :]) for a in range(len(x))]
    body = ["int r = i, s = 0;"]
    for k in reversed(range(len(y))):
        body.append(f"s += (r % {y[k]}) * {strides[order[k]]}; r /= {y[k]};")
    body.append("v = x0(s);")
    return ctx.loop(prod(y), body, ins)
