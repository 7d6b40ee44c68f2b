"""dropout (and its 1d/2d/3d and alpha forms): identity in shape, no parameters."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import Layer, Op, Saved, Shape, pyargs
from cnncalc.layers.fields import Prob
from cnncalc.layers.window import AXES


class Dropout(Layer):
    VIEWS = "elementwise"  # the input times a noise laid out like it (or broadcast)
    TYPES = ("dropout", "dropout1d", "dropout2d", "dropout3d", "alphadropout")
    DIMS = (0, 1, 2, 3, 0)  # dropout and alphadropout take any shape

    p: Prob = 0.5
    inplace: bool = False

    def shape(self, x: Shape) -> Shape:
        n = self.dims  # dropout1d/2d/3d drop whole channels: torch wants C×(n spatial dims)
        if n:
            self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        return x

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # on the CPU torch multiplies by a scaled noise tensor it keeps (no fused kernel;
        # alpha dropout adds a constant after, keeping nothing more):
        # the input's shape, or one value per channel (dropout1d/2d/3d); p = 1 multiplies by
        # a 0-dim zero; p = 0 returns the input itself
        if self.p == 0:
            return ()
        if self.p == 1:
            return (Saved("own", shape=(), batched=False),)
        x = inputs[0]
        return (Saved("own", shape=(x[0], *[1] * self.dims) if self.dims else x),)

    def aliases(self) -> int | None:
        return 0 if self.p == 0 else None

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        name = self.torch_class(inputs[0], y) or ""
        return (Op(name.lower(), inputs[0], y, name),)  # Dropout2d calls dropout2d

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        names = {"dropout": "Dropout", "alphadropout": "AlphaDropout"}
        name = names.get(self.type, f"Dropout{self.dims}d")
        return f"nn.{name}({pyargs(**self.torch_kwargs('p', 'inplace'))})"
