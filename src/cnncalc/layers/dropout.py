"""dropout (and its 1d/2d/3d and alpha forms): identity in shape, no parameters."""

from __future__ import annotations

from cnncalc.layers.base import Layer, Shape, pyargs
from cnncalc.layers.fields import Prob
from cnncalc.layers.window import AXES


class Dropout(Layer):
    TYPES = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alphadropout")
    DIMS = (0, 1, 2, 3, 0)  # dropout and alphadropout take any shape

    p: Prob = 0.5
    inplace: bool = False

    def shape(self, x: Shape) -> Shape:
        n = self.dims  # dropout1d/2d/3d drop whole channels: torch wants C×(n spatial dims)
        if n:
            self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        return x

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        names = {"dropout": "Dropout", "alphadropout": "AlphaDropout"}
        name = names.get(self.type, f"Dropout{self.dims}d")
        return f"nn.{name}({pyargs(**self.torch_kwargs('p', 'inplace'))})"
