"""flatten: merge dimensions start_dim..end_dim (torch numbering: 0 is the batch)."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Op, Saved, Shape, factor, fmt, full, numel, pyargs
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.layout import Strides, reshaped


class Flatten(Layer):
    TYPES = ("flatten",)

    start_dim: AnyInt = 1
    end_dim: AnyInt = -1

    def span(self, x: Shape) -> tuple[int, int]:
        rank = len(x) + 1  # with the batch
        lo = self.start_dim + rank if self.start_dim < 0 else self.start_dim
        hi = self.end_dim + rank if self.end_dim < 0 else self.end_dim
        if lo == 0:
            raise LayerError(
                "flatten cannot merge the batch dimension", "use start_dim: 1", field="start_dim"
            )
        if not 0 < lo <= hi < rank:
            raise LayerError(
                f"start_dim {self.start_dim}..end_dim {self.end_dim} is outside a {rank}-d tensor",
                "dims count the batch as 0, as in torch",
                field="start_dim",
            )
        return lo - 1, hi - 1

    def shape(self, x: Shape) -> Shape:
        lo, hi = self.span(x)
        return (*x[:lo], numel(x[lo : hi + 1]), *x[hi + 1 :])

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        lo, hi = self.span(inputs[0])
        parts = "·".join(factor(d) for d in inputs[0][lo : hi + 1])
        return [f"features = {parts} = {fmt(numel(inputs[0][lo : hi + 1]))}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # a view: backward only reshapes

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        return reshaped(ins[0], full(batch, shapes[0]), full(batch, y))

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("flatten", inputs[0], y, "Flatten"),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.Flatten({pyargs(**self.torch_kwargs('start_dim', 'end_dim'))})"
