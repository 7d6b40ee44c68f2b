"""stochasticdepth (torchvision.ops.StochasticDepth): drops a residual branch at random while
training; identity in shape, no parameters."""

from __future__ import annotations

from typing import Literal

from cnncalc.layers.base import Layer, Shape, pyargs
from cnncalc.layers.fields import Prob


class StochasticDepth(Layer):
    TYPES = ("stochasticdepth",)
    p: Prob = 0.0
    mode: Literal["row", "batch"] = "row"

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"StochasticDepth({pyargs(self.p, **self.torch_kwargs('mode'))})"
