"""convtranspose1d/2d/3d as a gather: output position o takes input i where
o = i·s − p + k·d, i.e. i = (o + p − k·d)/s when that divides exactly and lands inside."""

from __future__ import annotations

from cnncalc.layers.conv_transpose import ConvTranspose

from ..cstyle import decompose, flat, pad3, prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, lowers


@lowers(ConvTranspose)
def conv_transpose(
    ctx: Ctx, layer: ConvTranspose, xs: list[Shape], y: Shape, ins: list[Buf]
) -> Buf:
    x = xs[0]
    cin, cout, g = x[0], layer.out_channels, layer.groups
    geo = layer.geometry()  # (k, s, p, output_padding, d) per axis
    k = pad3([a[0] for a in geo], 1)
    s = pad3([a[1] for a in geo], 1)
    p = pad3([a[2] for a in geo], 0)
    d = pad3([a[4] for a in geo], 1)
    isz, osz = pad3(x[1:], 1), pad3(y[1:], 1)
    cig, cog = cin // g, cout // g
    prep: list[Prep] = []
    state = ctx.state(layer, x, y)  # weight: [cin][cout/groups][kernel]
    w = ctx.upload(state["weight"], prep)
    b = ctx.upload(state["bias"], prep) if layer.bias else ctx.zeros(cout, prep)
    body = [*decompose("i", ["co", "od", "oh", "ow"], [cout, *osz]), f"float acc = W[{b} + co];"]
    chan = "ci" if g == 1 else f"(co / {cog}) * {cig} + ci"
    body += [f"for (int ci = 0; ci < {cig}; ++ci) {{", f"  const int c = {chan};"]
    depth = 1
    for a, n, kk, ss, pp, dd in zip("dhw", isz, k, s, p, d, strict=True):
        ind = "  " * depth
        body += [
            f"{ind}for (int k{a} = 0; k{a} < {kk}; ++k{a}) {{",
            f"{ind}  const int t{a} = o{a} + {pp} - k{a} * {dd};",
        ]
        if ss == 1:
            body.append(f"{ind}  const int i{a} = t{a};")
            body.append(f"{ind}  if (t{a} < 0 || i{a} >= {n}) continue;")
        else:
            body.append(f"{ind}  if (t{a} < 0 || t{a} % {ss}) continue;")
            body.append(f"{ind}  const int i{a} = t{a} / {ss};")
            body.append(f"{ind}  if (i{a} >= {n}) continue;")
        depth += 1
    xi = flat(["c", "id", "ih", "iw"], [cin, *isz])
    wi = flat(["c", "co_g", "kd", "kh", "kw"], [cin, cog, *k])
    body.append("  " * depth + f"acc += x0({xi}) * W[{w} + {wi}];")
    for dd in range(depth - 1, -1, -1):
        body.append("  " * dd + "}")
    body.insert(
        len(decompose("i", ["co", "od", "oh", "ow"], [cout, *osz])), f"const int co_g = co % {cog};"
    )
    body.append("v = acc;")
    return ctx.loop(prod(y), body, ins, prep=prep)
