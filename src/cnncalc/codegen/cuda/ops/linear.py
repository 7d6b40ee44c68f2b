"""linear over the last axis. Weights are laid [in][out] on the device so that neighbouring
threads (neighbouring outputs) read neighbouring weights; the layered form of a large layer is
a matrix product whose columns are batch × leading positions."""

from __future__ import annotations

from cnncalc.layers.linear import Linear

from ..cstyle import prod
from ..ir import Buf, Foldable, Gemm, Prep
from ..lower import Ctx, Shape, lowers


@lowers(Linear)
def linear(ctx: Ctx, layer: Linear, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    k, m = x[-1], layer.out_features
    rows = prod(x[:-1])
    prep: list[Prep] = []
    state = ctx.state(layer, x, y)  # weight: [out][in]
    a = ctx.upload(state["weight"], prep)
    b = ctx.upload(state["bias"], prep) if layer.bias else ctx.zeros(m, prep)
    post = [Prep("transpose", (a, m, k))]
    # a BatchNorm folds only over features (a flat output): its channels are the rows then
    fold = Foldable(a, b, m, k) if rows == 1 else None
    if ctx.mode == "layered" and m >= 16 and k >= 16:
        step = Gemm(
            name=ctx.name(),
            label=ctx.label,
            out=ctx.buf(rows * m),
            inputs=list(ins),
            extent=rows * m,
            prep=prep,
            post=post,
            foldable=fold,
            m=m,
            k=k,
            p=rows,
            a=a,
            bias=b,
            load_b=[f"b = x0(p * {k} + k);"],
            store=f"p * {m} + m",
        )
        return ctx.add(step)
    head = (
        ["const int f = i;"]
        if rows == 1
        else [f"const int r = i / {m};", f"const int f = i % {m};"]
    )
    xrow = "t" if rows == 1 else f"r * {k} + t"
    body = [
        *head,
        f"float acc = W[{b} + f];",
        f"for (int t = 0; t < {k}; ++t) acc += x0({xrow}) * W[{a} + t * {m} + f];",
        "v = acc;",
    ]
    return ctx.loop(rows * m, body, ins, prep=prep, post=post, foldable=fold)
