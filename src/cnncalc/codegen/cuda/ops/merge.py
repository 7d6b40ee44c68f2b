"""add / mul (elementwise with broadcasting, as torch's + and *) and concat along an axis.
add and mul are pointwise: the fusion pass moves them into the epilogue of the input produced
last, which then reads the other inputs as it stores (a residual add costs no extra pass)."""

from __future__ import annotations

from cnncalc.layers.merge import Concat, Elementwise

from ..cstyle import broadcast_index, prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Elementwise)
def elementwise(ctx: Ctx, layer: Elementwise, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    return ctx.merge(prod(y), layer.operator, [broadcast_index("i", y, x) for x in xs], ins)


@lowers(Concat)
def concat(ctx: Ctx, layer: Concat, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    axis = layer.axis(len(y))
    inner, total = prod(y[axis + 1 :]), y[axis]
    outer = prod(y[:axis])
    body = [
        f"const int o = {'i' if inner == 1 else f'(i / {inner})'}"
        f"{f' % {total}' if outer > 1 else ''};"
    ]
    if outer > 1:
        body.append(f"const int q = i / {total * inner};")
    rest = f" + i % {inner}" if inner > 1 else ""
    start = 0
    for k, x in enumerate(xs):
        s = x[axis]
        row = f"(q * {s} + o - {start})" if outer > 1 else f"(o - {start})"
        pick = f"v = x{k}({row}{f' * {inner}' if inner > 1 else ''}{rest});"
        cond = "" if k == len(xs) - 1 else f"if (o < {start + s}) "
        body.append(("else " if k else "") + cond + pick)
        start += s
    return ctx.loop(prod(y), body, ins)
