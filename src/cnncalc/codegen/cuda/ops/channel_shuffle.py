"""channelshuffle: output channel j·g + k is input channel k·(C/g) + j (torch's reshape,
transpose, reshape)."""

from __future__ import annotations

from cnncalc.layers.channel_shuffle import ChannelShuffle

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(ChannelShuffle)
def channel_shuffle(
    ctx: Ctx, layer: ChannelShuffle, xs: list[Shape], y: Shape, ins: list[Buf]
) -> Buf:
    c, g = y[0], layer.groups
    inner = prod(y[1:])
    body = [
        f"const int co = i / {inner}, r = i % {inner};",
        f"const int ci = (co % {g}) * {c // g} + co / {g};",
        f"v = x0(ci * {inner} + r);",
    ]
    return ctx.loop(prod(y), body, ins)
