"""instancenorm (inference, as torch's eval()): with running statistics, exactly batchnorm
(F.instance_norm uses them instead of the input's); without, each sample's channel takes the
mean and biased variance of its own positions — groupnorm with one group per channel."""

from __future__ import annotations

from cnncalc.layers.norm_instance import InstanceNorm

from ..ir import Buf
from ..lower import Ctx, Shape, lowers
from .norm_batch import batchnorm
from .norm_group import grouped


@lowers(InstanceNorm)
def instancenorm(ctx: Ctx, layer: InstanceNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    if layer.track_running_stats:
        return batchnorm(ctx, layer, xs, y, ins)
    return grouped(ctx, layer, xs[0], y, ins, xs[0][0])  # one group per channel
