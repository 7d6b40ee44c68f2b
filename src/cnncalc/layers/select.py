"""select / narrow (torch.select, torch.narrow; ViT's class token x[:, 0]): one index of a dim
(the dim dropped), or `length` positions from `start` (torch numbering: 0 is the batch, never
selected). A view: no parameters. A symbolic size is accepted where every allowed size fits."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import POINTWISE, Layer, Op, Reads, Saved, Shape, fmt
from cnncalc.layers.fields import AnyInt, Size
from cnncalc.layers.layout import Strides
from cnncalc.layers.permute import batch_free
from cnncalc.sym import Dim, bounds


def fits(n: Dim, start: int, length: int) -> bool:
    """Whether positions start..start+length-1 (start < 0: from the end) lie inside every
    allowed size n."""
    low = n if isinstance(n, int) else bounds(n)[0]
    if low is None:
        return False
    return (start >= 0 and start + length <= low) or (start < 0 and length <= -start <= low)


class Piece(Layer):
    """A view of part of the input (backward places the gradient by sizes: nothing saved)."""

    VIEWS = "keep"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()

    def aliases(self) -> int | None:
        return 0

    def axis(self, x: Shape) -> int:
        """The axis taken from (batch-free index)."""
        raise NotImplementedError

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # the input's strides (select drops its axis's); the rows lie apart
        s = ins[0]
        if s is None or len(y) == len(shapes[0]):
            return 0, s
        a = self.axis(shapes[0]) + 1
        return 0, s[:a] + s[a + 1 :]


class Select(Piece):
    TYPES = ("select",)

    dim: AnyInt
    index: AnyInt

    def axis(self, x: Shape) -> int:
        a = batch_free(self.dim, len(x) + 1, "dim")
        if not fits(x[a], self.index, 1):
            raise LayerError(
                f"index {self.index} is outside dimension {self.dim} of size {fmt(x[a])}",
                "an index from 0 to size - 1, or from the end: -1 to -size",
                field="index",
                code="E102",
            )
        return a

    def shape(self, x: Shape) -> Shape:
        a = self.axis(x)
        return (*x[:a], *x[a + 1 :])

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return "not defined: select drops an axis, so the others change their place"

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        return f"{args[0]}.select({self.axis(inputs[0]) + 1}, {self.index})"


class Narrow(Piece):
    TYPES = ("narrow",)

    dim: AnyInt
    start: AnyInt
    length: Size

    def axis(self, x: Shape) -> int:
        a = batch_free(self.dim, len(x) + 1, "dim")
        if not fits(x[a], self.start, self.length):
            raise LayerError(
                f"{self.length} positions from {self.start} do not fit in dimension {self.dim} "
                f"of size {fmt(x[a])}",
                "start + length must not pass the size (start from the end when negative)",
                field="length",
                code="E102",
            )
        return a

    def first(self, x: Shape) -> Dim:
        a = self.axis(x)
        return self.start if self.start >= 0 else x[a] + self.start

    def shape(self, x: Shape) -> Shape:
        a = self.axis(x)
        return (*x[:a], self.length, *x[a + 1 :])

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if self.axis(x) != axis + 1:
            return POINTWISE
        return Reads.shift(-self.first(x))  # output o reads input o + start

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        a = self.axis(inputs[0]) + 1
        return f"{args[0]}.narrow({a}, {self.start}, {self.length})"
