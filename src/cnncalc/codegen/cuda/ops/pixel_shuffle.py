"""pixelshuffle, pixelunshuffle: an index remap (no arithmetic). With r the factor, output
(c, h·r + i, w·r + j) of pixelshuffle is input (c·r² + i·r + j, h, w); pixelunshuffle is the
inverse: output (c·r² + i·r + j, h, w) is input (c, h·r + i, w·r + j)."""

from __future__ import annotations

from cnncalc.layers.pixel_shuffle import PixelShuffle, PixelUnshuffle

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(PixelShuffle)
def pixel_shuffle(ctx: Ctx, layer: PixelShuffle, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    r, (_, oh, ow), (_, h, w) = layer.upscale_factor, y, xs[0]
    body = [
        f"const int c = i / {oh * ow}, oy = i / {ow} % {oh}, ox = i % {ow};",
        f"const int ci = c * {r * r} + (oy % {r}) * {r} + ox % {r};",
        f"v = x0((ci * {h} + oy / {r}) * {w} + ox / {r});",
    ]
    return ctx.loop(prod(y), body, ins)


@lowers(PixelUnshuffle)
def pixel_unshuffle(
    ctx: Ctx, layer: PixelUnshuffle, xs: list[Shape], y: Shape, ins: list[Buf]
) -> Buf:
    r, (_, oh, ow), (_, h, w) = layer.downscale_factor, y, xs[0]
    body = [
        f"const int co = i / {oh * ow}, oy = i / {ow} % {oh}, ox = i % {ow};",
        f"const int c = co / {r * r}, k = co % {r * r};",
        f"v = x0((c * {h} + oy * {r} + k / {r}) * {w} + ox * {r} + k % {r});",
    ]
    return ctx.loop(prod(y), body, ins)
