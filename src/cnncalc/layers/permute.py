"""permute / transpose (torch.permute, Tensor.transpose; torchvision's Permute): reorder the
dimensions (torch numbering: 0 is the batch, which stays first). No parameters, no arithmetic."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from cnncalc.errors import LayerError
from cnncalc.layers.base import POINTWISE, Layer, Op, Reads, Saved, Shape, shape_str
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.layout import Strides, permute


def batch_free(d: int, rank: int, field: str) -> int:
    """A torch dim (negative: from the end) of a `rank`-d tensor, batch counted, as an index
    into the batch-free shape; the batch itself is refused."""
    k = d + rank if d < 0 else d
    if not 0 <= k < rank:
        raise LayerError(
            f"{field} {d} is outside a {rank}-d tensor",
            "dims count the batch as 0, as in torch",
            field=field,
            code="E102",
        )
    if k == 0:
        raise LayerError(
            f"{field} {d} moves the batch dimension",
            "the batch stays first: dims count it as 0, as in torch",
            field=field,
            code="E102",
        )
    return k - 1


class Reorder(Layer):
    """A layer whose output axis k is input axis order(x)[k] (batch-free indices)."""

    def order(self, x: Shape) -> tuple[int, ...]:
        raise NotImplementedError

    def shape(self, x: Shape) -> Shape:
        return tuple(x[a] for a in self.order(x))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [f"{shape_str(inputs[0])} → {shape_str(y)}"]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if self.order(x) == tuple(range(len(x))):
            return POINTWISE
        return f"not defined: {self.type} moves axes, so a position changes its axis"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # backward permutes the gradient back

    def aliases(self) -> int | None:
        return 0  # a view

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        s = ins[0]
        return 0, None if s is None else permute(s, (0, *(a + 1 for a in self.order(shapes[0]))))


class Permute(Reorder):
    TYPES = ("permute",)

    # torch's `dims` (Layer.dims is the spatial rank, so the field has another Python name)
    permutation: list[AnyInt] = Field(alias="dims", description="the new order of the dims")

    def order(self, x: Shape) -> tuple[int, ...]:
        rank = len(x) + 1
        dims = self.permutation
        if len(dims) != rank:
            raise LayerError(
                f"dims has {len(dims)} entries for a {rank}-d tensor (batch×{shape_str(x)})",
                "name every dimension once, the batch (0) first, as in torch",
                field="dims",
                code="E102",
            )
        if dims[0] not in (0, -rank):
            raise LayerError(
                f"dims {self.permutation} moves the batch dimension",
                "the batch stays first: start dims with 0",
                field="dims",
                code="E102",
            )
        order = tuple(batch_free(d, rank, "dims") for d in self.permutation[1:])
        if len(set(order)) != len(order):
            raise LayerError(
                f"dims {self.permutation} repeats a dimension",
                "name every dimension once",
                field="dims",
                code="E102",
            )
        return order

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        return f"{args[0]}.permute(0, {', '.join(str(a + 1) for a in self.order(inputs[0]))})"


class Transpose(Reorder):
    TYPES = ("transpose",)

    dim0: AnyInt
    dim1: AnyInt

    def pair(self, x: Shape) -> tuple[int, int]:
        rank = len(x) + 1
        return batch_free(self.dim0, rank, "dim0"), batch_free(self.dim1, rank, "dim1")

    def order(self, x: Shape) -> tuple[int, ...]:
        a, b = self.pair(x)
        order = list(range(len(x)))
        order[a], order[b] = b, a
        return tuple(order)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        a, b = self.pair(inputs[0])
        return f"{args[0]}.transpose({a + 1}, {b + 1})"
