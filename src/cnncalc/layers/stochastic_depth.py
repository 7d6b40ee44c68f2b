"""stochasticdepth (torchvision.ops.StochasticDepth): drops a residual branch at random while
training; identity in shape, no parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from cnncalc.layers.base import Layer, Op, Saved, Shape, pyargs
from cnncalc.layers.fields import Prob


class StochasticDepth(Layer):
    VIEWS = "elementwise"  # the input times a per-sample noise
    TYPES = ("stochasticdepth",)
    p: Prob = 0.0
    mode: Literal["row", "batch"] = "row"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # the product keeps the keep/drop noise: one value per sample (row) or one in all
        if self.p == 0:
            return ()
        ones = (1,) * len(inputs[0])
        row = self.mode == "row"
        return (Saved("own", shape=ones if row else (1, *ones), batched=row),)

    def aliases(self) -> int | None:
        return 0 if self.p == 0 else None  # returned as it is

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("stochastic_depth", inputs[0], y),)  # cnncalc's own module: eval passes x

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"StochasticDepth({pyargs(self.p, **self.torch_kwargs('mode'))})"
