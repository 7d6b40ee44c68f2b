"""identity: passes its input through unchanged."""

from __future__ import annotations

from cnncalc.layers.base import Layer, Shape


class Identity(Layer):
    TYPES = ("identity",)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return "nn.Identity()"
