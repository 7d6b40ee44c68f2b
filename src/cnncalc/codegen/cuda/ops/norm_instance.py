"""instancenorm (inference, as torch's eval()): with running statistics, exactly batchnorm
(F.instance_norm uses them instead of the input's); without, each sample's channel takes the
mean and biased variance of its own positions — groupnorm with one group per channel."""

from __future__ import annotations

from cnncalc.layers.norm_instance import InstanceNorm

from ..cstyle import prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers
from .norm_batch import batchnorm
from .norm_layer import statistics


@lowers(InstanceNorm)
def instancenorm(ctx: Ctx, layer: InstanceNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    if layer.track_running_stats:
        return batchnorm(ctx, layer, xs, y, ins)
    x = xs[0]
    c, inner = x[0], prod(x[1:])
    prep: list[Prep] = []
    affine = ""
    if layer.affine:
        state = ctx.state(layer, x, y)
        gamma = ctx.upload(state["weight"], prep)
        beta = ctx.upload(state["bias"], prep)
        affine = f" * W[{gamma} + r] + W[{beta} + r]"
    mean, rstd = statistics(ctx, ins[0], c, inner, layer.eps)
    body = [f"const int r = i / {inner};", f"v = (x0(i) - x1(r)) * x2(r){affine};"]
    return ctx.loop(prod(y), body, [ins[0], mean, rstd], prep=prep)
