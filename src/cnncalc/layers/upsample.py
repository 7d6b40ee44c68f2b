"""upsample: to a `size`, or by a `scale_factor` (floor(W·scale), exact: the scale is read as
the fraction its decimal text states). upsamplingnearest2d/upsamplingbilinear2d as in torch."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from pydantic import model_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Shape, fmt
from cnncalc.layers.fields import Scale, Sizes, ntuple
from cnncalc.layers.window import AXES
from cnncalc.sym import Dim, floordiv

_MODES = Literal["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear"]
_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


class Upsample(Layer):
    TYPES = ("upsample", "upsamplingnearest2d", "upsamplingbilinear2d")

    size: Sizes | None = None
    scale_factor: Scale | None = None
    mode: _MODES = "nearest"
    align_corners: bool | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Upsample:
        if (self.size is None) == (self.scale_factor is None):
            raise ValueError("give exactly one of size or scale_factor")
        return self

    def spatial_rank(self, x: Shape) -> int:
        n = len(x) - 1
        if self.type != "upsample":
            n = 2
        mode = "bilinear" if self.type == "upsamplingbilinear2d" else self.mode
        if mode in _RANK and _RANK[mode] != n:
            raise LayerError(
                f"mode {mode} works on {_RANK[mode]} spatial dimension(s), the input has {n}",
                field="mode",
            )
        if n not in AXES:
            self.expect_rank(x, 3, "C×H×W (or C×L, C×D×H×W)")
        return n

    def shape(self, x: Shape) -> Shape:
        n = self.spatial_rank(x)
        if self.size is not None:
            return (x[0], *ntuple(self.size, n, "size"))
        sf = self.scale_factor
        scales: tuple[Fraction, ...] = (sf,) * n if isinstance(sf, Fraction) else tuple(sf or ())
        if len(scales) != n:
            raise LayerError(f"scale_factor needs {n} entries", field="scale_factor")
        out: list[Dim] = []
        for w, s in zip(x[1:], scales, strict=True):
            o = floordiv(w * s.numerator, s.denominator)
            if isinstance(o, int) and o < 1:
                raise LayerError(f"scaled size comes to {o}", "use a larger scale", field="scale_factor", code="E101")
            out.append(o)
        return (x[0], *out)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        axes = AXES.get(len(x) - 1, ())
        if self.size is not None:
            return [f"{a} = {fmt(o)} (size)" for a, o in zip(axes, y[1:], strict=False)]
        return [f"{a} = ⌊{fmt(w)}·{self.scale_factor}⌋ = {fmt(o)}" for a, w, o in zip(axes, x[1:], y[1:], strict=False)]
