"""maxpool and avgpool 1d/2d/3d: padding, dilation (max), ceil_mode (windows may overhang the
input; they are clipped), count_include_pad and divisor_override (avg) as torch computes them."""

from __future__ import annotations

from cnncalc.layers.pool import AvgPool, MaxPool, Pool

from ..cstyle import Axis, decompose, flat, num, pad3, prod, window_loops
from ..ir import Buf
from ..lower import Ctx, Shape, lowers

AXES = ("d", "h", "w")


def _geometry(
    layer: Pool, x: Shape, y: Shape
) -> tuple[list[str], list[Axis], tuple[int, int, int]]:
    wins = layer.windows()
    isz = pad3(x[1:], 1)
    osz = pad3(y[1:], 1)
    k = pad3([w.kernel for w in wins], 1)
    s = pad3([w.stride for w in wins], 1)
    d = pad3([w.dilation for w in wins], 1)
    p = pad3([num(w.before) for w in wins], 0)
    axes = [
        Axis(f"o{a}", f"i{a}", f"k{a}", *v)
        for a, *v in zip(AXES, isz, k, s, p, d, osz, strict=True)
    ]
    return decompose("i", ["c", "od", "oh", "ow"], [x[0], *osz]), axes, isz


@lowers(MaxPool)
def maxpool(ctx: Ctx, layer: MaxPool, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    head, axes, isz = _geometry(layer, xs[0], y)
    xi = flat(["c", "id", "ih", "iw"], [xs[0][0], *isz])
    body = [
        *head,
        "float m = -INFINITY;",
        *window_loops(axes, [f"m = fmaxf(m, x0({xi}));"], "skip"),
        "v = m;",
    ]
    return ctx.loop(prod(y), body, ins)


@lowers(AvgPool)
def avgpool(ctx: Ctx, layer: AvgPool, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    head, axes, isz = _geometry(layer, xs[0], y)
    body = list(head)
    for ax in axes:  # torch: the window is clipped to the padded input, then to the input
        a = ax.pos[1]
        body += [
            f"int {a}s = {ax.out} * {ax.stride} - {ax.before};",
            f"int {a}e = imin({a}s + {ax.kernel}, {ax.size + ax.before});",
            f"const int {a}n = {a}e - {a}s;",
            f"{a}s = imax({a}s, 0); {a}e = imin({a}e, {ax.size});",
        ]
    xi = flat(["c", "id", "ih", "iw"], [xs[0][0], *isz])
    body += [
        "float acc = 0.0f;",
        "for (int id = ds; id < de; ++id)",
        "  for (int ih = hs; ih < he; ++ih)",
        f"    for (int iw = ws; iw < we; ++iw) acc += x0({xi});",
    ]
    if layer.divisor_override is not None:
        div = str(layer.divisor_override)
    elif layer.count_include_pad:
        div = "dn * hn * wn"
    else:
        div = "(de - ds) * (he - hs) * (we - ws)"
    body.append(f"v = acc / (float)({div});")
    return ctx.loop(prod(y), body, ins)
