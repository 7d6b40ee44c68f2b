"""layernorm2d: per position, the mean and 1/√(biased var + ε) of its C channels (two
passes, as layernorm's), then the per-channel affine step."""

from __future__ import annotations

from cnncalc.layers.norm_layer2d import LayerNorm2d

from ..cstyle import flt, prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers


@lowers(LayerNorm2d)
def layernorm2d(ctx: Ctx, layer: LayerNorm2d, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    c, inner = y[0], prod(y[1:])
    prep: list[Prep] = []
    affine = ""
    if layer.elementwise_affine:
        state = ctx.state(layer, xs[0], y)
        affine = f" * W[{ctx.upload(state['weight'], prep)} + co]"
        if layer.bias:
            affine += f" + W[{ctx.upload(state['bias'], prep)} + co]"
    mean = ctx.loop(
        inner,
        [
            "float s = 0.0f;",
            f"for (int t = 0; t < {c}; ++t) s += x0(t * {inner} + i);",
            f"v = s / {c}.0f;",
        ],
        [ins[0]],
    )
    rstd = ctx.loop(
        inner,
        [
            "float s = 0.0f;",
            f"for (int t = 0; t < {c}; ++t) {{",
            f"  const float e = x0(t * {inner} + i) - x1(i);",
            "  s += e * e;",
            "}",
            f"v = 1.0f / sqrtf(s / {c}.0f + {flt(layer.eps)});",
        ],
        [ins[0], mean],
    )
    channel = [f"const int co = i / {inner};"] if affine else []
    body = [*channel, f"const int r = i % {inner};", f"v = (x0(i) - x1(r)) * x2(r){affine};"]
    return ctx.loop(prod(y), body, [ins[0], mean, rstd], prep=prep)
