"""parameter: the layer's own tensor from the weights file, read broadcast against the data
(mul, add: the data broadcast too where its size is 1), or put before it along an axis
(concat: the same values for every sample). op alone is refused."""

from __future__ import annotations

from cnncalc.layers.parameter import Parameter

from ..cstyle import broadcast_index, prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, Unsupported, lowers


@lowers(Parameter)
def parameter(ctx: Ctx, layer: Parameter, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    if layer.op == "alone":
        raise Unsupported(
            "op alone (a tensor fed to the layers after it, Swin v2's relative_coords_table) "
            "has no CUDA step yet",
            "op",
            "generate PyTorch for this spec (cnncalc codegen torch)",
        )
    x = xs[0]
    prep: list[Prep] = []
    w = ctx.upload(ctx.state(layer, x, y)[""], prep)  # the tensor is the layer: named ""
    q = layer.per_sample(x)
    if layer.op != "concat":
        op = "*" if layer.op == "mul" else "+"
        read = f"x0({broadcast_index('i', y, x)}) {op} W[{w} + {broadcast_index('i', y, q)}]"
        return ctx.loop(prod(y), [f"v = {read};"], ins, prep=prep)
    a = layer.axis(x)
    inner, total, first = prod(y[a + 1 :]), y[a], q[a]
    body = [
        f"const int o = (i / {inner}) % {total}, q = i / {total * inner}, r = i % {inner};",
        f"if (o < {first}) v = W[{w} + (q * {first} + o) * {inner} + r];",
        f"else v = x0((q * {x[a]} + o - {first}) * {inner} + r);",
    ]
    return ctx.loop(prod(y), body, ins, prep=prep)
