"""maxpool1d/2d/3d and avgpool1d/2d/3d: a window with no weights; stride defaults to the kernel."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Counts, Layer, Shape, numel
from cnncalc.layers.fields import NonNegs, Size, Sizes, ntuple
from cnncalc.layers.window import AXES, Window, slide


class Pool(Layer):
    kernel_size: Sizes
    stride: Sizes | None = None
    padding: NonNegs = 0
    ceil_mode: bool = False

    def dilations(self) -> tuple[int, ...]:
        return (1,) * self.dims

    def windows(self) -> list[Window]:
        n = self.dims
        k = ntuple(self.kernel_size, n, "kernel_size")
        s = ntuple(self.stride if self.stride is not None else self.kernel_size, n, "stride")
        p = ntuple(self.padding, n, "padding")
        d = self.dilations()
        for ki, pi, di in zip(k, p, d, strict=True):
            if pi > (di * (ki - 1) + 1) // 2:
                raise LayerError(
                    f"padding {pi} is more than half the window ({ki})",
                    "torch refuses pooling padding above half the kernel; lower padding",
                    field="padding",
                    code="E104",
                )
        return [Window(*a, self.ceil_mode) for a in zip(k, s, p, p, d, strict=True)]

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        return (x[0], *slide(self.windows(), x, "window"))

    def count(self, x: Shape, y: Shape) -> Counts:
        taps = numel(ntuple(self.kernel_size, self.dims, "kernel_size"))
        return Counts(connections=numel(y) * taps)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        return [w.explain(a, n, o) for w, a, n, o in zip(self.windows(), AXES[self.dims], x[1:], y[1:], strict=True)]


class MaxPool(Pool):
    TYPES = ("maxpool1d", "maxpool2d", "maxpool3d")
    dilation: Sizes = 1

    def dilations(self) -> tuple[int, ...]:
        return ntuple(self.dilation, self.dims, "dilation")


class AvgPool(Pool):
    TYPES = ("avgpool1d", "avgpool2d", "avgpool3d")
    count_include_pad: bool = True
    divisor_override: Size | None = None

