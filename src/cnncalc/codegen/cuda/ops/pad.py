"""zeropad / constantpad over the last n axes, torch's order; negative padding crops."""

from __future__ import annotations

from cnncalc.layers.pad import Pad

from ..cstyle import decompose, flat, flt, prod
from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Pad)
def pad(ctx: Ctx, layer: Pad, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    r, n = len(y), layer.dims
    names = [f"a{k}" for k in range(r)]
    body = decompose("i", names, list(y))
    src = list(names)
    conds: list[str] = []
    for k, (before, _) in zip(range(r - n, r), layer.sides(), strict=True):
        src[k] = f"s{k}"
        body.append(f"const int s{k} = a{k} - ({before});")
        conds.append(f"(unsigned)s{k} < {x[k]}u")
    body.append(f"v = ({' && '.join(conds)}) ? x0({flat(src, list(x))}) : {flt(layer.value)};")
    return ctx.loop(prod(y), body, ins)
