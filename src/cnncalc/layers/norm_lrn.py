"""localresponsenorm: each value divided by (k + α/n · Σ of squares over a window of n channels
centred on its own)^β (AlexNet, GoogLeNet). No state; every position reads only itself."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Counts, Layer, Shape, fmt, numel, pyargs, shape_str
from cnncalc.layers.fields import Number, Size


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

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("alpha", "beta", "k")
        # torch views a 5-D input (batch included): the helper makes it contiguous first
        cls = "LocalResponseNorm" if len(x) >= 4 else "nn.LocalResponseNorm"
        return f"{cls}({pyargs(self.size, **kw)})"
