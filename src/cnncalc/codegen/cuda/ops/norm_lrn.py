"""localresponsenorm as torch computes it: the squares averaged over a window of `size`
channels (zeros past the edges, size//2 before and (size-1)//2 after), then
x / (avg·α + k)^β. One step; each element sums its own window."""

from __future__ import annotations

from cnncalc.layers.norm_lrn import LocalResponseNorm

from ..cstyle import flt, prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(LocalResponseNorm)
def localresponsenorm(
    ctx: Ctx, layer: LocalResponseNorm, xs: list[Shape], y: Shape, ins: list[Buf]
) -> Buf:
    c, inner, n = y[0], prod(y[1:]), layer.size
    body = [
        f"const int co = i / {inner}, r = i % {inner};",
        f"const int lo = co < {n // 2} ? 0 : co - {n // 2};",
        f"const int hi = co + {(n - 1) // 2} < {c} ? co + {(n - 1) // 2} : {c - 1};",
        "float s = 0.0f;",
        "for (int j = lo; j <= hi; ++j) {",
        f"  const float e = x0(j * {inner} + r);",
        "  s += e * e;",
        "}",
        f"v = x0(i) / powf(s / {n}.0f * {flt(layer.alpha)} + {flt(layer.k)}, {flt(layer.beta)});",
    ]
    return ctx.loop(prod(y), body, ins)
