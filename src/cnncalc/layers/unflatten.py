"""unflatten (torch.nn.Unflatten, Tensor.unflatten): split dimension `dim` (torch numbering: 0
is the batch) into `unflattened_size`, one entry of which may be -1. A view: no parameters."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    fmt,
    full,
    numel,
    pyargs,
    shape_str,
)
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.layout import Strides, view
from cnncalc.layers.permute import batch_free


class Unflatten(Layer):
    TYPES = ("unflatten",)

    dim: AnyInt
    unflattened_size: list[AnyInt]

    def sizes(self, x: Shape) -> tuple[int, list[int]]:
        """The axis split (batch-free index) and the sizes it splits into, -1 resolved."""
        a = batch_free(self.dim, len(x) + 1, "dim")
        sizes, n = list(self.unflattened_size), x[a]
        if not sizes or sizes.count(-1) > 1 or any(d == 0 or d < -1 for d in sizes):
            raise LayerError(
                f"unflattened_size {sizes} is not a list of positive sizes with at most one -1",
                "e.g. unflattened_size: [4, -1]",
                field="unflattened_size",
                code="E102",
            )
        if not isinstance(n, int):
            raise LayerError(
                f"dimension {self.dim} is {fmt(n)}: whether it splits into {sizes} depends on "
                "the input",
                "unflatten an axis of a concrete size (give the input a number there)",
                field="dim",
                code="E102",
            )
        known = numel(d for d in sizes if d != -1)
        if n % known if -1 in sizes else n != known:
            raise LayerError(
                f"dimension {self.dim} of size {n} cannot be unflattened into {sizes}",
                f"the sizes must multiply to {n}",
                field="unflattened_size",
                code="E102",
            )
        return a, [n // known if d == -1 else d for d in sizes]

    def shape(self, x: Shape) -> Shape:
        a, sizes = self.sizes(x)
        return (*x[:a], *sizes, *x[a + 1 :])

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [f"{shape_str(inputs[0])} → {shape_str(y)}"]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if len(x) == len(y):
            return POINTWISE
        return "not defined: unflatten adds axes, so positions change their axis"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # backward reshapes the gradient back

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # splitting one axis is a view at any strides
        s = ins[0]
        return 0, None if s is None else view(full(batch, shapes[0]), s, full(batch, y))

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("unflatten", inputs[0], y, "Unflatten"),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.Unflatten({pyargs(self.dim, tuple(self.unflattened_size))})"
