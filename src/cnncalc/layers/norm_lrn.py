"""localresponsenorm: each value divided by (k + α/n · Σ of squares over a window of n channels
centred on its own)^β (AlexNet, GoogLeNet). No state; every position reads only itself."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Counts, Layer, Saved, Shape, fmt, full, numel, pyargs, shape_str
from cnncalc.layers.fields import Number, Size
from cnncalc.layers.layout import Strides, dense, elementwise, is_contiguous


class LocalResponseNorm(Layer):
    TYPES = ("localresponsenorm",)

    size: Size
    alpha: Number = 1e-4
    beta: Number = 0.75
    k: Number = 1.0

    def shape(self, x: Shape) -> Shape:
        # F.local_response_norm wants N×C×(at least one more axis)
        if len(x) < 2:
            raise LayerError(
                f"{self.type} expects a C×spatial input (batch excluded), got {shape_str(x)}",
                "it normalizes across channels: put it before the flatten",
                code="E102",
            )
        return x

    def count(self, x: Shape, y: Shape) -> Counts:
        # no weights: each unit reads the n channels of its window (zeros past the edges, as
        # avgpool with count_include_pad counts them); no MACs (FlopCounterMode counts none)
        return Counts().with_links(numel(y) * self.size)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [
            f"params = 0; connections = {self.size} channels per output · {fmt(numel(y))}"
            f" outputs = {fmt(self.count(inputs[0], y).connections)}"
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, inputs[0]))])

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # F.local_response_norm on the input (past 4-D made contiguous first: a copy of a
        # view): x·x keeps
        # it; the squares padded by size − 1 channels and kept by the average pooling; the
        # scaled sum (kept by pow) and its power (kept by the division, with the input)
        x, s = inputs[0], strides[0]
        same = len(x) < 4 or (s is not None and is_contiguous(full(batch, x), s))
        kept = Saved("input") if same else Saved("own", shape=x)
        padded = Saved("own", shape=(1, x[0] + self.size - 1, *x[1:]))
        return (kept, padded, Saved("own", shape=x), Saved("own", shape=x))

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # the input (past 4-D its contiguous copy) divided by a contiguous tensor
        x, s = full(batch, shapes[0]), ins[0]
        if len(x) >= 5:
            return None, dense(x)
        return None, None if s is None else elementwise(x, [(x, s), (x, dense(x))])

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("alpha", "beta", "k")
        # torch views a 5-D input (batch included): the helper makes it contiguous first
        cls = "LocalResponseNorm" if len(x) >= 4 else "nn.LocalResponseNorm"
        return f"{cls}({pyargs(self.size, **kw)})"
