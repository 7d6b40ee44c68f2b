"""adaptive and global pooling (avg, max): output o of an axis reads ⌊o·I/O⌋ .. ⌈(o+1)·I/O⌉."""

from __future__ import annotations

from cnncalc.layers.adaptive_pool import AdaptivePool

from ..cstyle import decompose, flat, pad3, prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(AdaptivePool)
def adaptive_pool(ctx: Ctx, layer: AdaptivePool, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    isz, osz = pad3(x[1:], 1), pad3(y[1:], 1)
    body = decompose("i", ["c", "od", "oh", "ow"], [x[0], *osz])
    for a, n, o in zip("dhw", isz, osz, strict=True):
        body.append(
            f"const int {a}s = (o{a} * {n}) / {o}, {a}e = ((o{a} + 1) * {n} + {o - 1}) / {o};"
        )
    xi = flat(["c", "id", "ih", "iw"], [x[0], *isz])
    loops = [
        "for (int id = ds; id < de; ++id)",
        "  for (int ih = hs; ih < he; ++ih)",
        "    for (int iw = ws; iw < we; ++iw) ",
    ]
    if layer.reduction == "max":
        body += [
            "float m = -INFINITY;",
            *loops[:2],
            loops[2] + f"m = fmaxf(m, x0({xi}));",
            "v = m;",
        ]
    else:
        body += ["float acc = 0.0f;", *loops[:2], loops[2] + f"acc += x0({xi});"]
        body.append("v = acc / (float)((de - ds) * (he - hs) * (we - ws));")
    return ctx.loop(prod(y), body, ins)
