"""groupnorm: statistics over channel groups; a scale and shift per channel."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Reads,
    Saved,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Number, Size


class GroupNorm(Layer):
    VIEWS = "refuse"  # keeps a contiguous copy of a view (measured), a storage of its own
    TYPES = ("groupnorm",)

    num_groups: Size
    num_channels: Size | None = None
    eps: Number = 1e-5
    affine: bool = True

    def shape(self, x: Shape) -> Shape:
        if len(x) < 1:
            self.expect_rank(x, 2, "C×…")
        self.check_in(self.num_channels, x[0], "num_channels")
        if isinstance(x[0], int) and x[0] % self.num_groups:
            raise LayerError(
                f"{x[0]} channels cannot be split into {self.num_groups} groups",
                "num_groups must divide the channel count",
                field="num_groups",
                code="E102",
            )
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return None  # each group's statistics come from every position

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        return (Tensor("weight", (x[0],)), Tensor("bias", (x[0],))) if self.affine else ()

    def count(self, x: Shape, y: Shape) -> Counts:
        connections = numel(y) * (2 if self.affine else 1)
        return held(self.state(x, y)).with_links(connections)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        c = self.count(inputs[0], y)
        if not self.affine:
            return ["params = 0 (affine: false)"]
        return [f"params = 2·{fmt(inputs[0][0])} = {fmt(c.trainable)}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        stat = Saved("own", shape=(self.num_groups,))  # mean and rstd per sample and group
        return (Saved("input"), stat, stat)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("eps", "affine")
        return f"nn.GroupNorm({pyargs(self.num_groups, concrete(x[0], 'channels'), **kw)})"
