"""identity: passes its input through unchanged."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import Layer, Op, Saved, Shape


class Identity(Layer):
    VIEWS = "elementwise"  # the input itself
    TYPES = ("identity",)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()

    def aliases(self) -> int | None:
        return 0  # nn.Identity returns its input

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("identity", inputs[0], y, "Identity"),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return "nn.Identity()"
