"""mean / sum / amax over dims: one thread per output element loops over the reduced
positions (the reduced axes' sizes, strides of x) from its first input element."""

from __future__ import annotations

from cnncalc.layers.reduce import Reduce

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Reduce)
def reduce(ctx: Ctx, layer: Reduce, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x, axes = xs[0], layer.axes(xs[0])
    strides = [prod(x[a + 1 :]) for a in range(len(x))]
    kept = [a for a in range(len(x)) if a not in axes]
    body = ["int r = i, s = 0;"]  # s: the output's first input element
    for a in reversed(kept):
        body.append(f"s += (r % {x[a]}) * {strides[a]}; r /= {x[a]};")
    n = prod([x[a] for a in axes])
    offset = ["int u = t, o = 0;"]
    for a in reversed(axes):
        offset.append(f"o += (u % {x[a]}) * {strides[a]}; u /= {x[a]};")
    start, step = (
        ("-INFINITY", "acc = fmaxf(acc, x0(s + o));")
        if layer.type == "amax"
        else (
            "0.0f",
            "acc += x0(s + o);",
        )
    )
    body += [
        f"float acc = {start};",
        f"for (int t = 0; t < {n}; ++t) {{ {' '.join(offset)} {step} }}",
        f"v = acc / {n}.0f;" if layer.type == "mean" else "v = acc;",
    ]
    return ctx.loop(prod(y), body, ins)
