"""upsample: to a `size`, or by a `scale_factor` (floor(W·scale) as torch computes it, in
double precision; symbolic sizes use the fraction the scale's decimal text states).
upsamplingnearest2d/upsamplingbilinear2d as in torch."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from pydantic import model_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Reads, Saved, Shape, fmt, pyargs, tight
from cnncalc.layers.fields import Scale, Sizes, ntuple
from cnncalc.layers.window import AXES
from cnncalc.sym import Dim, floordiv

_MODES = Literal["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear"]
_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
# torch's fixed-mode classes (UpsamplingNearest2d, UpsamplingBilinear2d): their mode
_FIXED: dict[str, _MODES] = {"upsamplingnearest2d": "nearest", "upsamplingbilinear2d": "bilinear"}


class Upsample(Layer):
    VIEWS = "keep"
    TYPES = ("upsample", "upsamplingnearest2d", "upsamplingbilinear2d")
    DIMS = (0, 2, 2)

    size: Sizes | None = None
    scale_factor: Scale | None = None
    mode: _MODES = "nearest"
    align_corners: bool | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Upsample:
        if (self.size is None) == (self.scale_factor is None):
            raise ValueError("give exactly one of size or scale_factor")
        return self

    @property
    def interpolation(self) -> _MODES:
        """The mode in effect: `mode`, or the one the fixed-mode 2d classes set."""
        return _FIXED.get(self.type, self.mode)

    @property
    def corners(self) -> bool:
        """align_corners in effect: only the interpolating modes have corners to align, and
        upsamplingbilinear2d always aligns them (torch's UpsamplingBilinear2d)."""
        if self.interpolation in ("nearest", "nearest-exact"):
            return False
        return bool(self.align_corners) or self.type == "upsamplingbilinear2d"

    def spatial_rank(self, x: Shape) -> int:
        n = len(x) - 1
        if self.type != "upsample":  # the 2d classes: C×H×W only
            self.expect_rank(x, 3, "C×H×W")
        mode = self.interpolation
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
            # torch floors the product in double precision (100·0.29 -> 28, 10·0.7 -> 7); match
            # it for numbers, and use the exact fraction for symbolic sizes
            if isinstance(w, int):
                o: Dim = math.floor(w * float(s))
            else:
                o = floordiv(w * s.numerator, s.denominator)
            if isinstance(o, int) and o < 1:
                raise LayerError(
                    f"scaled size comes to {o}",
                    "use a larger scale",
                    field="scale_factor",
                    code="E101",
                )
            out.append(o)
        return (x[0], *out)

    def scales(self, n: int) -> tuple[Fraction, ...] | None:
        sf = self.scale_factor
        return None if sf is None else (sf,) * n if isinstance(sf, Fraction) else tuple(sf)

    def exact_divisions(self, x: Shape) -> list[tuple[Dim, int]]:
        """⌊W·p/q⌋ for a scale p/q drops a remainder unless q divides W·p."""
        scales = zip(x[1:], self.scales(len(x) - 1) or (), strict=False)
        return [(w * s.numerator, s.denominator) for w, s in scales]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """torch's source index for output o: ⌊o/scale⌋ (nearest); the two (four: bicubic)
        neighbours of (o + ½)/scale - ½ (linear modes); o·(W - 1)/(O - 1) with align_corners."""
        n, out = x[1 + axis], y[1 + axis]
        mode, corners = self.interpolation, self.corners
        scales = self.scales(len(x) - 1)
        if corners or scales is None:  # the scale comes from the sizes
            if not isinstance(n, int) or not isinstance(out, int):
                return "the scale depends on the symbolic input size"
            if corners and out == 1:
                return "one output position (align_corners)"
            step = Fraction(n - 1, out - 1) if corners else Fraction(n, out)
        else:
            step = 1 / scales[axis]
        half = Fraction(0 if corners or mode == "nearest" else 1, 2)
        taps = {"nearest": (0, 0), "nearest-exact": (0, 0), "bicubic": (-1, 2)}.get(mode, (0, 1))

        def span(o: int) -> tuple[Dim, Dim]:
            src = (o + half) * step - (half if mode != "nearest-exact" else 0)
            lo = math.floor(src)
            return (lo, lo) if src == lo else (lo + taps[0], lo + taps[1])  # on a sample: it alone

        return Reads(step, span)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        axes = AXES.get(len(x) - 1, ())
        if self.size is not None:
            return [f"{a} = {fmt(o)} (size)" for a, o in zip(axes, y[1:], strict=False)]
        sf = self.scale_factor
        scales = (sf,) * len(axes) if isinstance(sf, Fraction) else tuple(sf or ())
        lines = []
        for a, w, s, o in zip(axes, x[1:], scales, y[1:], strict=False):
            shown = str(s.numerator) if s.denominator == 1 else repr(float(s))
            line = f"{a} = ⌊{fmt(w)}·{shown}⌋ = {fmt(o)}"
            if isinstance(w, int) and o != w * s.numerator // s.denominator:
                line += " (in double precision, as torch)"
            lines.append(line)
        return lines

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # interpolation's backward needs the input's size, not its values

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        n = len(x) - 1
        kw: dict[str, object] = {}
        if self.size is not None:
            kw["size"] = tight(ntuple(self.size, n, "size"))
        else:  # the float the author wrote (the Fraction holds its decimal text exactly)
            sf = self.scale_factor
            many = tuple(float(s) for s in sf) if isinstance(sf, tuple) else ()
            kw["scale_factor"] = float(sf) if isinstance(sf, Fraction) else many
        if self.type != "upsample":
            name = (
                "UpsamplingNearest2d" if self.interpolation == "nearest" else "UpsamplingBilinear2d"
            )
            return f"nn.{name}({pyargs(**kw)})"
        return f"nn.Upsample({pyargs(**kw, **self.torch_kwargs('mode', 'align_corners'))})"
