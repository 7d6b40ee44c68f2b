"""rbf: LeNet-5's Euclidean radial basis output, y_i = Σ_j (x_j − w_ij)²; the weights are
laid [in][out] on the device, as linear's."""

from __future__ import annotations

from cnncalc.layers.rbf import RBF

from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers


@lowers(RBF)
def rbf(ctx: Ctx, layer: RBF, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    k, m = xs[0][0], layer.out_features
    prep: list[Prep] = []
    a = ctx.upload(ctx.state(layer, xs[0], y)["weight"], prep)  # [out][in]
    body = [
        "float acc = 0.0f;",
        f"for (int t = 0; t < {k}; ++t) {{",
        f"  const float e = x0(t) - W[{a} + t * {m} + i];",
        "  acc += e * e;",
        "}",
        "v = acc;",
    ]
    return ctx.loop(m, body, ins, prep=prep, post=[Prep("transpose", (a, m, k))])
