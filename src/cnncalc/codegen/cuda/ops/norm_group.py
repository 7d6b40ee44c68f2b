"""groupnorm: statistics over each group of channels (contiguous within a sample), then a
scale and shift per channel."""

from __future__ import annotations

from cnncalc.layers.norm_group import GroupNorm

from ..cstyle import prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers
from .norm_layer import statistics


@lowers(GroupNorm)
def groupnorm(ctx: Ctx, layer: GroupNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    c, g = x[0], layer.num_groups
    inner = prod(x[1:])
    n = c // g * inner
    prep: list[Prep] = []
    ch = "i" if inner == 1 else f"i / {inner}"
    affine = ""
    if layer.affine:
        state = ctx.state(layer, x, y)
        gamma = ctx.upload(state["weight"], prep)
        beta = ctx.upload(state["bias"], prep)
        affine = f" * W[{gamma} + {ch}] + W[{beta} + {ch}]"
    mean, rstd = statistics(ctx, ins[0], g, n, layer.eps)
    body = [f"const int r = i / {n};", f"v = (x0(i) - x1(r)) * x2(r){affine};"]
    return ctx.loop(prod(y), body, [ins[0], mean, rstd], prep=prep)
