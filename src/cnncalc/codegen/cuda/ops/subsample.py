"""subsample: LeNet-5's trainable pooling, (Σ window)·coefficient[c] + bias[c]."""

from __future__ import annotations

from cnncalc.layers.subsample import Subsample

from ..cstyle import Axis, decompose, flat, pad3, prod, window_loops
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers


@lowers(Subsample)
def subsample(ctx: Ctx, layer: Subsample, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    c = x[0]
    wins = layer.windows()
    isz, osz = pad3(x[1:], 1), pad3(y[1:], 1)
    k = pad3([w.kernel for w in wins], 1)
    s = pad3([w.stride for w in wins], 1)
    axes = [
        Axis(f"o{a}", f"i{a}", f"k{a}", n, kk, ss, 0, 1, o)
        for a, n, kk, ss, o in zip("dhw", isz, k, s, osz, strict=True)
    ]
    prep: list[Prep] = []
    state = ctx.state(layer, x, y)  # one coefficient and one bias per map
    w = ctx.upload(state["weight"], prep)
    b = ctx.upload(state["bias"], prep) if layer.bias else ctx.zeros(c, prep)
    xi = flat(["c", "id", "ih", "iw"], [c, *isz])
    body = [
        *decompose("i", ["c", "od", "oh", "ow"], [c, *osz]),
        "float acc = 0.0f;",
        *window_loops(axes, [f"acc += x0({xi});"], "skip"),
        f"v = acc * W[{w} + c] + W[{b} + c];",
    ]
    return ctx.loop(prod(y), body, ins, prep=prep)
