"""roll (torch.roll; Swin's shifted windows): shift elements along dims, wrapping around
(torch numbering: 0 is the batch, which is never rolled). Shape unchanged, no parameters."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from cnncalc.errors import LayerError
from cnncalc.layers.base import POINTWISE, Layer, Reads, Saved, Shape, pyargs
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.permute import batch_free


class Roll(Layer):
    TYPES = ("roll",)
    VIEWS = "keep"

    shifts: AnyInt | list[AnyInt]
    # torch's `dims` (Layer.dims is the spatial rank, so the field has another Python name)
    roll_dims: AnyInt | list[AnyInt] = Field(alias="dims", description="the dims rolled")

    def pairs(self, x: Shape) -> list[tuple[int, int]]:
        """(axis, shift) per rolled dim, axes batch-free, in the spec's order."""
        shifts = self.shifts if isinstance(self.shifts, list) else [self.shifts]
        dims = self.roll_dims if isinstance(self.roll_dims, list) else [self.roll_dims]
        if len(shifts) != len(dims) or not dims:
            raise LayerError(
                f"{len(shifts)} shifts for {len(dims)} dims",
                "give one shift per rolled dim, as torch does",
                field="shifts",
                code="E102",
            )
        return [(batch_free(d, len(x) + 1, "dims"), s) for d, s in zip(dims, shifts, strict=True)]

    def shape(self, x: Shape) -> Shape:
        self.pairs(x)
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if any(a == axis + 1 for a, _ in self.pairs(x)):
            return "not defined: roll wraps positions around the axis"
        return POINTWISE

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # backward rolls the gradient back

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        pairs = self.pairs(inputs[0])
        shifts = tuple(s for _, s in pairs)
        dims = tuple(a + 1 for a, _ in pairs)
        return f"torch.roll({args[0]}, {pyargs(shifts=shifts, dims=dims)})"
