"""mean / sum / amax over dims (torch.mean, torch.sum, torch.amax with `dim` and `keepdim`;
torch numbering: 0 is the batch, which is never reduced). No parameters; each input element
feeds one output (connections E_in), and, as for pooling, no MACs (FlopCounterMode counts none)."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    NOTHING,
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    numel,
    shape_str,
)
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.permute import batch_free


class Reduce(Layer):
    VIEWS = "keep"
    TYPES = ("mean", "sum", "amax")

    dim: AnyInt | list[AnyInt]
    keepdim: bool = False

    def axes(self, x: Shape) -> tuple[int, ...]:
        """The reduced axes (batch-free indices), ascending."""
        dims = self.dim if isinstance(self.dim, list) else [self.dim]
        axes = [batch_free(d, len(x) + 1, "dim") for d in dims]
        if not axes or len(set(axes)) != len(axes):
            raise LayerError(
                f"dim {self.dim} names no dimension or one twice",
                "name each reduced dimension once",
                field="dim",
                code="E102",
            )
        return tuple(sorted(axes))

    def shape(self, x: Shape) -> Shape:
        axes = self.axes(x)
        if self.keepdim:
            return tuple(1 if a in axes else d for a, d in enumerate(x))
        return tuple(d for a, d in enumerate(x) if a not in axes)

    def count(self, x: Shape, y: Shape) -> Counts:
        return NOTHING.with_links(numel(x))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [f"{self.type} of {shape_str(inputs[0])} → {shape_str(y) if y else 'one value'}"]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if not self.keepdim:
            return f"not defined: {self.type} without keepdim removes axes"
        if axis + 1 not in self.axes(x):
            return POINTWISE
        return f"not defined: {self.type} reduces this axis"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # mean's and sum's backward expand the gradient back (sizes only); amax's compares
        # its input with its result to share the gradient among the maxima: both kept
        return (Saved("input"), Saved("output")) if self.type == "amax" else ()

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        dims = tuple(a + 1 for a in self.axes(inputs[0]))
        keep = ", keepdim=True" if self.keepdim else ""
        return f"{args[0]}.{self.type}(dim={dims}{keep})"
