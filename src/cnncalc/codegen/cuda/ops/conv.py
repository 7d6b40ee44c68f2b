"""conv1d/2d/3d: groups, dilation, asymmetric and named padding, every padding_mode, and
LeNet-5's connection table. Direct form: one thread per output element. In the layered form
a dense convolution is an implicit matrix product (A = weights [K][M], B gathered from the
input), tiled in shared memory."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.layers.conv import Conv
from cnncalc.layers.window import Window

from ..cstyle import Axis, PadMode, decompose, flat, gather, num, pad3, prod, window_loops
from ..ir import Buf, Foldable, Gemm, Prep
from ..lower import Ctx, Shape, lowers

AXES = ("d", "h", "w")
Size3 = tuple[int, int, int]


@dataclass(frozen=True)
class Geometry:
    """A convolution's sizes, 1d and 2d as 3d (pad3): what both forms index with."""

    cin: int
    cout: int
    k: Size3  # kernel
    isz: Size3  # input
    osz: Size3  # output
    pos: list[Axis]  # the window along each axis
    mode: PadMode  # how a window reads past the input's edge

    @staticmethod
    def of(wins: list[Window], x: Shape, y: Shape, cout: int, mode: PadMode) -> Geometry:
        k = pad3([w.kernel for w in wins], 1)
        s = pad3([w.stride for w in wins], 1)
        d = pad3([w.dilation for w in wins], 1)
        before = pad3([num(w.before) for w in wins], 0)
        isz, osz = pad3(x[1:], 1), pad3(y[1:], 1)
        pos = [
            Axis(f"o{a}", f"i{a}", f"k{a}", n, kk, ss, b, dd, o)
            for a, n, kk, ss, b, dd, o in zip(AXES, isz, k, s, before, d, osz, strict=True)
        ]
        return Geometry(x[0], cout, k, isz, osz, pos, mode)


@lowers(Conv)
def conv(ctx: Ctx, layer: Conv, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    cin, cout, g = x[0], layer.out_channels, layer.groups
    wins = layer.windows(x)
    geo = Geometry.of(wins, x, y, cout, layer.padding_mode)
    k, isz, osz, pos, mode = geo.k, geo.isz, geo.osz, geo.pos, geo.mode
    table = layer.table(cin)
    taps = prod(k)
    prep: list[Prep] = []
    state = ctx.state(layer, x, y)  # a table's weight: its own kernels, map 0's input maps first
    # a table's rows are of unequal length: a BatchNorm after it is applied, not folded
    per_row = cin // g * taps if table is None else 0
    wdev = ctx.upload(state["weight"], prep)
    bdev = ctx.upload(state["bias"], prep) if layer.bias else ctx.zeros(cout, prep)
    fold = Foldable(wdev, bdev, cout, per_row) if per_row else None
    if ctx.mode == "layered" and table is None and g == 1 and cout >= 16 and per_row >= 16:
        assert fold is not None
        return _gemm(ctx, geo, fold, prep, ins)

    body = decompose("i", ["co", "od", "oh", "ow"], [cout, *osz])
    body.append(f"float acc = W[{bdev} + co];")
    xi = flat(["c", "id", "ih", "iw"], [cin, *isz])
    decls: list[str] = []
    if table is None:
        cig, cog = cin // g, cout // g
        wi = flat(["co", "ci", "kd", "kh", "kw"], [cout, cig, *k])
        chan = "ci" if g == 1 else f"(co / {cog}) * {cig} + ci"
        inner = window_loops(pos, [f"acc += x0({xi}) * W[{wdev} + {wi}];"], mode)
        body += [
            f"for (int ci = 0; ci < {cig}; ++ci) {{",
            f"  const int c = {chan};",
            *["  " + t for t in inner],
            "}",
        ]
    else:
        maps = [m for row in table for m in row]
        starts = [0]
        for row in table:
            starts.append(starts[-1] + len(row))
        name = ctx.name("table")
        decls = [
            f"__constant__ int {name}_start[{cout + 1}] = {{{', '.join(map(str, starts))}}};",
            f"__constant__ int {name}_maps[{starts[-1]}] = {{{', '.join(map(str, maps))}}};",
        ]
        wi = flat(["t", "kd", "kh", "kw"], [starts[-1], *k])
        inner = window_loops(pos, [f"acc += x0({xi}) * W[{wdev} + {wi}];"], mode)
        body += [
            f"for (int t = {name}_start[co]; t < {name}_start[co + 1]; ++t) {{",
            f"  const int c = {name}_maps[t];",
            *["  " + t for t in inner],
            "}",
        ]
    body.append("v = acc;")
    return ctx.loop(prod(y), body, ins, prep=prep, decls=decls, foldable=fold)


def _gemm(ctx: Ctx, geo: Geometry, fold: Foldable, prep: list[Prep], ins: list[Buf]) -> Buf:
    """out[co][p] = Σ_k W[co][k]·B(k, p), B gathered from the input (im2col, never stored)."""
    cin, cout, k, isz = geo.cin, geo.cout, geo.k, geo.isz
    kk = fold.per_row  # cin·taps
    p = prod(geo.osz)
    col = decompose("p", ["od", "oh", "ow"], list(geo.osz))
    load = decompose("k", ["c", "kd", "kh", "kw"], [cin, *k])
    conds: list[str] = []
    for ax in geo.pos:
        if ax.trivial:
            continue
        start = (f"{ax.out} * {ax.stride}" if ax.stride != 1 else ax.out) + (
            f" - {ax.before}" if ax.before else ""
        )
        col.append(f"const int s{ax.pos} = {start};")  # the window's first input position
        tap = f"{ax.tap} * {ax.dilation}" if ax.dilation != 1 else ax.tap
        lines, cond = gather(ax.pos, f"s{ax.pos} + {tap}", ax.size, geo.mode)
        load += lines
        if cond != "true" and not ax.inside:
            conds.append(cond)
    xi = flat(["c", "id", "ih", "iw"], [cin, *isz])
    load.append(f"b = ({' && '.join(conds)}) ? x0({xi}) : 0.0f;" if conds else f"b = x0({xi});")
    step = Gemm(
        name=ctx.name(),
        label=ctx.label,
        out=ctx.buf(cout * p),
        inputs=list(ins),
        extent=cout * p,
        prep=prep,
        post=[Prep("transpose", (fold.weight, cout, kk))],
        foldable=fold,
        m=cout,
        k=kk,
        p=p,
        a=fold.weight,
        bias=fold.bias,
        col_b=col,
        load_b=load,
        store=f"m * {p} + p",
    )
    return ctx.add(step)
