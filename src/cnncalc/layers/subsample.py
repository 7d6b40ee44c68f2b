"""subsample1d/2d/3d: LeNet-5's trainable pooling. Each unit sums its window, multiplies the
sum by one trainable coefficient per map and adds one trainable bias per map (S2, S4)."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import (
    Counts,
    Layer,
    Op,
    Saved,
    Shape,
    Tensor,
    concrete,
    factor,
    fmt,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Size, Sizes, ntuple
from cnncalc.layers.window import AXES, Window, slide


class Subsample(Layer):
    TYPES = ("subsample1d", "subsample2d", "subsample3d")
    DIMS = (1, 2, 3)

    kernel_size: Sizes
    stride: Sizes | None = None
    in_channels: Size | None = None
    bias: bool = True

    def windows(self) -> list[Window]:
        n = self.dims
        k = ntuple(self.kernel_size, n, "kernel_size")
        s = ntuple(self.stride if self.stride is not None else self.kernel_size, n, "stride")
        return [Window(ki, si, 0, 0) for ki, si in zip(k, s, strict=True)]

    def input_windows(self, x: Shape) -> list[Window]:
        return self.windows()

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, self.dims + 1, "C×" + "×".join(AXES[self.dims]))
        self.check_in(self.in_channels, x[0], "in_channels")
        return (x[0], *slide(self.windows(), x, "window"))

    def taps(self) -> int:
        return numel(ntuple(self.kernel_size, self.dims, "kernel_size"))

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        # torch_helpers.Subsampling: one coefficient and one bias per map
        c = (x[0],)
        return (Tensor("weight", c), Tensor("bias", c)) if self.bias else (Tensor("weight", c),)

    def count(self, x: Shape, y: Shape) -> Counts:
        b = 1 if self.bias else 0
        units = numel(y)
        # one multiply by the map's coefficient per output unit
        c = held(self.state(x, y))
        return c.with_links(units * (self.taps() + b), units)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        lines = [
            w.explain(a, n, o)
            for w, a, n, o in zip(self.windows(), AXES[self.dims], x[1:], y[1:], strict=True)
        ]
        c = self.count(x, y)
        b = 1 if self.bias else 0
        lines.append(f"params = {fmt(x[0])}·(1 + {b}) = {fmt(c.trainable)}")
        units = "·".join(factor(d) for d in y)
        lines.append(
            "connections = outputs·(window + bias)"
            f" = ({units})·({self.taps()} + {b}) = {fmt(c.connections)}"
        )
        return lines

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # avg_pool keeps its input (where tracked); the window sums times the trained
        # coefficients keep the sums, a tensor of the output's size
        return (Saved("input", for_input=0), Saved("own", shape=y))

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # cnncalc's Subsampling: F.avg_pool, then `*` area, `*` coefficient, `+` bias
        x, n = inputs[0], self.dims
        tail = (Op("*", y, y), Op("*", y, y)) + ((Op("+", y, y),) if self.bias else ())
        return (Op(f"avg_pool{n}d", x, y), *tail)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        n = self.dims
        kw: dict[str, object] = {}
        if self.stride is not None:
            kw["stride"] = ntuple(self.stride, n, "")
        kw |= self.torch_kwargs("bias")
        args = pyargs(concrete(x[0], "channels"), kernel_size=ntuple(self.kernel_size, n, ""), **kw)
        return f"Subsampling({args})"
