"""select / narrow: output element i reads the input at the same outer and inner position,
its coordinate along the axis moved to the selected index or past `start`."""

from __future__ import annotations

from cnncalc.layers.select import Narrow, Select

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Select, Narrow)
def select(ctx: Ctx, layer: Select | Narrow, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    a = layer.axis(x)
    n, inner = x[a], prod(x[a + 1 :])
    if isinstance(layer, Select):
        first, length = layer.index % n, 1
    else:
        first, length = layer.start % n, layer.length
    body = [
        f"const int o = i / {inner}, r = i % {inner};",
        f"v = x0(((o / {length}) * {n} + {first} + o % {length}) * {inner} + r);",
    ]
    return ctx.loop(prod(y), body, ins)
