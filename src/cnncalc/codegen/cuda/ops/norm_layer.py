"""layernorm over the trailing normalized_shape: per row a mean, then 1/√(biased var + ε)
(two passes, as accurate as torch's), then the affine elementwise step."""

from __future__ import annotations

from cnncalc.layers.norm_layer import LayerNorm

from ..cstyle import flt, prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers


@lowers(LayerNorm)
def layernorm(ctx: Ctx, layer: LayerNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    ns = layer.dims_normalized()
    n = prod(ns)
    rows = prod(xs[0]) // n
    prep: list[Prep] = []
    affine = ""
    if layer.elementwise_affine:
        state = ctx.state(layer, xs[0], y)
        g = ctx.upload(state["weight"], prep)
        affine = f" * W[{g} + i % {n}]"
        if layer.bias:
            affine += f" + W[{ctx.upload(state['bias'], prep)} + i % {n}]"
    mean, rstd = statistics(ctx, ins[0], rows, n, layer.eps)
    body = [f"const int r = i / {n};", f"v = (x0(i) - x1(r)) * x2(r){affine};"]
    return ctx.loop(prod(y), body, [ins[0], mean, rstd], prep=prep)


def statistics(ctx: Ctx, x: Buf, rows: int, n: int, eps: float) -> tuple[Buf, Buf]:
    """Mean and 1/√(var + ε) of each of `rows` contiguous runs of n elements."""
    mean = ctx.loop(
        rows,
        [
            "float s = 0.0f;",
            f"for (int t = 0; t < {n}; ++t) s += x0(i * {n} + t);",
            f"v = s / {n}.0f;",
        ],
        [x],
    )
    rstd = ctx.loop(
        rows,
        [
            "float s = 0.0f;",
            f"for (int t = 0; t < {n}; ++t) {{",
            f"  const float e = x0(i * {n} + t) - x1(i);",
            "  s += e * e;",
            "}",
            f"v = 1.0f / sqrtf(s / {n}.0f + {flt(eps)});",
        ],
        [x, mean],
    )
    return mean, rstd
