"""groupnorm: statistics over each group of channels (contiguous within a sample), then a
scale and shift per channel."""

from __future__ import annotations

from cnncalc.layers.norm_group import GroupNorm
from cnncalc.layers.norm_instance import InstanceNorm

from ..cstyle import prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers
from .norm_layer import statistics


@lowers(GroupNorm)
def groupnorm(ctx: Ctx, layer: GroupNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    return grouped(ctx, layer, xs[0], y, ins, layer.num_groups)


def grouped(
    ctx: Ctx, layer: GroupNorm | InstanceNorm, x: Shape, y: Shape, ins: list[Buf], g: int
) -> Buf:
    """Normalize each sample's g groups of channels by their own statistics, then scale and
    shift per channel (instancenorm without running statistics: g = channels)."""
    c = x[0]
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
