"""zeropad1d/2d/3d and constantpad1d/2d/3d, in torch's order: last dimension first
((left, right) for 1d; (left, right, top, bottom) for 2d; … front, back for 3d).
Negative values crop, as in torch."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Layer,
    Reads,
    Saved,
    Shape,
    fmt,
    pyargs,
    require_positive,
)
from cnncalc.layers.fields import AnyInt, Number
from cnncalc.layers.window import AXES
from cnncalc.sym import Dim


class Pad(Layer):
    TYPES = (
        "zeropad1d",
        "zeropad2d",
        "zeropad3d",
        "constantpad1d",
        "constantpad2d",
        "constantpad3d",
    )
    DIMS = (1, 2, 3, 1, 2, 3)
    VIEWS = "keep"  # a new tensor in the memory format the input suggests

    padding: AnyInt | list[AnyInt]
    value: Number = 0.0

    def sides(self) -> list[tuple[int, int]]:
        """(before, after) per spatial axis, first axis first."""
        n = self.dims
        p = self.padding
        flat = [p] * (2 * n) if isinstance(p, int) else list(p)
        if len(flat) != 2 * n:
            raise LayerError(
                f"padding needs 1 or {2 * n} numbers, got {len(flat)}",
                "torch order: last dimension first, (before, after) each",
                field="padding",
            )
        pairs = [(flat[2 * i], flat[2 * i + 1]) for i in range(n)]
        return pairs[::-1]

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        if len(x) < n:
            self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        lead = x[: len(x) - n]
        out: list[Dim] = []
        for axis, w, (b, a) in zip(AXES[n], x[len(x) - n :], self.sides(), strict=True):
            crop = -min(b, 0) - min(a, 0)
            if isinstance(w, int) and crop > w:  # torch crops before it pads
                raise LayerError(
                    f"negative padding crops {crop} from {axis} = {w}",
                    "torch crops before it pads, so the crops alone must fit the input; crop less",
                    field="padding",
                    code="E101",
                )
            o = w + b + a
            require_positive(o, f"padded {axis}", "negative padding crops; crop less", "padding")
            out.append(o)
        return (*lead, *out)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        i = 1 + axis - (len(x) - self.dims)  # padded axes are the last `dims`
        return Reads.shift(self.sides()[i][0]) if i >= 0 else POINTWISE

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        n = self.dims
        return [
            f"{a} = {fmt(w)} + {b} + {c} = {fmt(o)}"
            for a, w, (b, c), o in zip(
                AXES[n], x[len(x) - n :], self.sides(), y[len(y) - n :], strict=True
            )
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # constant_pad_nd's backward crops the gradient (sizes only)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        p = self.padding if isinstance(self.padding, int) else tuple(self.padding)
        if self.type.startswith("zero"):
            return f"nn.ZeroPad{self.dims}d({pyargs(p)})"
        return f"nn.ConstantPad{self.dims}d({pyargs(p, self.value)})"
