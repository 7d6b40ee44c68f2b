"""upsample: nearest, nearest-exact, linear/bilinear/trilinear (align_corners either way), to a
size or by a scale factor, with torch's float source-index arithmetic (scale = 1/scale_factor
when one is given, else in/out, computed in float as ATen does). bicubic is not supported."""

from __future__ import annotations

from fractions import Fraction

from cnncalc.layers.upsample import Upsample

from ..cstyle import dbl, decompose, flat, pad3, prod
from ..ir import Buf
from ..lower import Ctx, Shape, Unsupported, lowers


@lowers(Upsample)
def upsample(ctx: Ctx, layer: Upsample, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    mode, align = layer.interpolation, layer.corners
    if mode == "bicubic":
        raise Unsupported(
            "the CUDA backend does not support upsample mode 'bicubic'", "mode", "use bilinear"
        )
    x = xs[0]
    n = len(x) - 1
    sf = layer.scale_factor
    scales: list[Fraction | None] = (
        [None] * n if sf is None else ([sf] * n if isinstance(sf, Fraction) else list(sf))
    )
    isz, osz = pad3(x[1:], 1), pad3(y[1:], 1)
    factors = [None] * (3 - n) + scales
    body = decompose("i", ["c", "od", "oh", "ow"], [x[0], *osz])
    linear = mode in ("linear", "bilinear", "trilinear")
    for a, i, o, f in zip("dhw", isz, osz, factors, strict=True):
        if i == o == 1:  # an axis the input does not have (1d, 2d)
            body += [] if linear else [f"const int s{a} = 0;"]
            continue
        if align and linear:
            scale = f"((float){i - 1} / (float){o - 1})" if o > 1 else "0.0f"
        elif f is not None:
            scale = f"(float)(1.0 / {dbl(float(f))})"
        else:
            scale = f"((float){i} / (float){o})"
        if not linear:
            # shortcuts where the scale is exactly 1 or 1/2: not for a scale_factor of 1.3 that
            # keeps a size of 2 (⌊o/1.3⌋ reads position 0 twice, as Upsample.reads and torch's
            # CUDA kernels; torch's 2d CPU kernel alone takes o and o/2 from the sizes)
            if mode == "nearest" and o == i and f in (None, 1):
                body.append(f"const int s{a} = o{a};")
            elif mode == "nearest" and o == 2 * i and f in (None, 2):
                body.append(f"const int s{a} = o{a} >> 1;")
            else:
                half = " + 0.5f" if mode == "nearest-exact" else ""
                body.append(
                    f"const int s{a} = imin((int)floorf(((float)o{a}{half}) * {scale}), {i - 1});"
                )
            continue
        src = (
            f"{scale} * (float)o{a}"
            if align
            else f"fmaxf({scale} * ((float)o{a} + 0.5f) - 0.5f, 0.0f)"
        )
        body += [
            f"const float r{a} = {src};",
            f"const int {a}0 = (int)r{a}; const int {a}p = ({a}0 < {i - 1}) ? 1 : 0;",
            f"const float {a}l1 = r{a} - (float){a}0, {a}l0 = 1.0f - {a}l1;",
        ]
    if not linear:
        body.append(f"v = x0({flat(['c', 'sd', 'sh', 'sw'], [x[0], *isz])});")
    else:
        moving = [i != 1 or o != 1 for i, o in zip(isz, osz, strict=True)]
        body.append(f"v = {_blend(0, ['c'], isz, x[0], moving)};")
    return ctx.loop(prod(y), body, ins)


def _blend(
    axis: int, coords: list[str], isz: tuple[int, int, int], c: int, moving: list[bool]
) -> str:
    """torch's nested interpolation: λ0·(… at a0) + λ1·(… at a0 + ap), slowest axis outermost."""
    if axis == 3:
        return f"x0({flat(coords, [c, *isz])})"
    a = "dhw"[axis]
    if not moving[axis]:
        return _blend(axis + 1, [*coords, "0"], isz, c, moving)
    lo = _blend(axis + 1, [*coords, f"{a}0"], isz, c, moving)
    hi = _blend(axis + 1, [*coords, f"({a}0 + {a}p)"], isz, c, moving)
    return f"({a}l0 * {lo} + {a}l1 * {hi})"
