"""reshape (unflatten's general form): a new shape with the same element count; -1 once."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from cnncalc.errors import LayerError
from cnncalc.layers.base import POINTWISE, Layer, Op, Reads, Saved, Shape, full, numel, shape_str
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.layout import Strides, reshaped
from cnncalc.sym import Dim, floordiv


class Reshape(Layer):
    TYPES = ("reshape", "view")

    target: list[AnyInt] = Field(alias="shape", description="the new shape, batch excluded")

    def shape(self, x: Shape) -> Shape:
        target = list(self.target)
        if target.count(-1) > 1 or any(d == 0 or d < -1 for d in target):
            raise LayerError("shape takes positive sizes and at most one -1", field="shape")
        known = numel(tuple(d for d in target if d != -1))
        total = numel(x)
        out: list[Dim] = [floordiv(total, known) if d == -1 else d for d in target]
        if (
            isinstance(total, int)
            and isinstance(known, int)
            and ((-1 in target and total % known) or (-1 not in target and total != known))
        ):
            raise LayerError(
                f"cannot reshape {shape_str(x)} ({total:,} elements) to {target}",
                field="shape",
                code="E102",
            )
        return tuple(out)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return POINTWISE if x[1:] == y[1:] else None  # positions keep their place only if unmoved

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # backward reshapes the gradient back

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        return reshaped(ins[0], full(batch, shapes[0]), full(batch, y))

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        (a,) = args  # the batch stays first
        return f"{a}.reshape({a}.shape[0], {', '.join(str(d) for d in self.target)})"
