"""split / chunk: each output node copies its piece of the input along the split axis."""

from __future__ import annotations

from cnncalc.layers.split import MultiOutput

from ..cstyle import num, prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(MultiOutput)
def piece(ctx: Ctx, layer: MultiOutput, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    a = layer.axis(x)
    start = num(layer.span(x[a])[0])
    inner, n, size = prod(x[a + 1 :]), x[a], y[a]
    body = [
        f"const int q = i / {size * inner}, r = i % {size * inner};",
        f"v = x0(q * {n * inner} + {start * inner} + r);",
    ]
    return ctx.loop(prod(y), body, ins)
