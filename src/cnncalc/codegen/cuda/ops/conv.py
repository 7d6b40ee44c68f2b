"""conv1d/2d/3d: groups, dilation, asymmetric and named padding, every padding_mode, and
LeNet-5's connection table. Direct form: one thread per output element. In the layered form
a dense convolution is an implicit matrix product (A = weights [K][M], B gathered from the
input), tiled in shared memory."""

from __future__ import annotations

from cnncalc.layers.conv import Conv

from ..cstyle import Axis, decompose, flat, gather, num, pad3, prod, window_loops
from ..ir import Buf, Foldable, Gemm, Prep
from ..lower import Ctx, Shape, lowers

AXES = ("d", "h", "w")


@lowers(Conv)
def conv(ctx: Ctx, layer: Conv, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    x = xs[0]
    cin, cout, g = x[0], layer.out_channels, layer.groups
    wins = layer.windows(x)
    k = pad3([w.kernel for w in wins], 1)
    s = pad3([w.stride for w in wins], 1)
    d = pad3([w.dilation for w in wins], 1)
    before = pad3([num(w.before) for w in wins], 0)
    isz = pad3(x[1:], 1)
    osz = pad3(y[1:], 1)
    table = layer.table(cin)
    taps = prod(k)
    prep: list[Prep] = []
    state = ctx.state(layer, x, y)  # a table's weight: its own kernels, map 0's input maps first
    # a table's rows are of unequal length: a BatchNorm after it is applied, not folded
    per_row = cin // g * taps if table is None else 0
    wdev = ctx.upload(state["weight"], prep)
    bdev = ctx.upload(state["bias"], prep) if layer.bias else ctx.zeros(cout, prep)
    fold = Foldable(wdev, bdev, cout, per_row) if per_row else None
    mode = layer.padding_mode
    pos = [
        Axis(f"o{a}", f"i{a}", f"k{a}", n, kk, ss, b, dd, o)
        for a, n, kk, ss, b, dd, o in zip(AXES, isz, k, s, before, d, osz, strict=True)
    ]

    if ctx.mode == "layered" and table is None and g == 1 and cout >= 16 and per_row >= 16:
        return _gemm(ctx, layer, cin, cout, k, isz, osz, pos, wdev, bdev, prep, ins, mode)

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


def _gemm(
    ctx: Ctx,
    layer: Conv,
    cin: int,
    cout: int,
    k: tuple[int, int, int],
    isz: tuple[int, int, int],
    osz: tuple[int, int, int],
    pos: list[Axis],
    wdev: int,
    bdev: int,
    prep: list[Prep],
    ins: list[Buf],
    mode: str,
) -> Buf:
    kk = cin * prod(k)
    p = prod(osz)
    col = decompose("p", ["od", "oh", "ow"], list(osz))
    load = decompose("k", ["c", "kd", "kh", "kw"], [cin, *k])
    conds: list[str] = []
    for ax in pos:
        if ax.trivial:
            continue
        start = (f"{ax.out} * {ax.stride}" if ax.stride != 1 else ax.out) + (
            f" - {ax.before}" if ax.before else ""
        )
        col.append(f"const int s{ax.pos} = {start};")  # the window's first input position
        tap = f"{ax.tap} * {ax.dilation}" if ax.dilation != 1 else ax.tap
        lines, cond = gather(ax.pos, f"s{ax.pos} + {tap}", ax.size, mode)  # type: ignore[arg-type]
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
        post=[Prep("transpose", (wdev, cout, kk))],
        foldable=Foldable(wdev, bdev, cout, kk),
        m=cout,
        k=kk,
        p=p,
        a=wdev,
        bias=bdev,
        col_b=col,
        load_b=load,
        store=f"m * {p} + p",
    )
    ctx.steps.append(step)
    return step.out
