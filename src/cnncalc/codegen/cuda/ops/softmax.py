"""softmax / logsoftmax along one axis: a row maximum, a row sum of exponentials, then the
elementwise result (three steps; every element reads its row's two statistics)."""

from __future__ import annotations

from cnncalc.layers.activations import Softmax

from ..cstyle import prod
from ..ir import Buf
from ..lower import Ctx, Shape, Unsupported, lowers


@lowers(Softmax)
def softmax(ctx: Ctx, layer: Softmax, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    d = layer.dim if layer.dim >= 0 else layer.dim + len(x) + 1
    if d == 0:
        raise Unsupported(
            f"{layer.type} over the batch dimension mixes samples", "dim", "use dim: 1"
        )
    a = d - 1
    size, inner = x[a], prod(x[a + 1 :])
    rows = prod(x) // size
    elem = (
        f"(r / {inner}) * {size * inner} + r % {inner} + t * {inner}"
        if inner > 1
        else f"r * {size} + t"
    )
    head = ["const int r = i;"]
    mx = ctx.loop(
        rows,
        [
            *head,
            "float m = -INFINITY;",
            f"for (int t = 0; t < {size}; ++t) m = fmaxf(m, x0({elem}));",
            "v = m;",
        ],
        ins,
    )
    sm = ctx.loop(
        rows,
        [
            *head,
            "float s = 0.0f;",
            f"for (int t = 0; t < {size}; ++t) s += expf(x0({elem}) - x1(r));",
            "v = s;",
        ],
        [ins[0], mx],
    )
    row = f"(i / {size * inner}) * {inner} + i % {inner}" if inner > 1 else f"i / {size}"
    expr = "x0(i) - x1(r) - logf(x2(r))" if layer.log else "expf(x0(i) - x1(r)) / x2(r)"
    return ctx.loop(prod(y), [f"const int r = {row};", f"v = {expr};"], [ins[0], mx, sm])
