"""split and chunk (torch.split / torch.chunk along a dim): one layer, several outputs.

The loader turns `{name: s, type: chunk, chunks: 2}` into one node per output, `s.0` and
`s.1`, each a view of its piece; later layers read one with `from: s.1`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from pydantic import Field

from cnncalc.errors import LayerError
from cnncalc.layers.base import POINTWISE, Layer, Op, Reads, Saved, Shape, fmt, require_positive
from cnncalc.layers.fields import AnyInt, NonNeg, Size
from cnncalc.layers.layout import Strides
from cnncalc.layers.merge import DimName
from cnncalc.sym import Dim, ceildiv, dmin

# Each output is a node of its own (and a split's k-th start is a sum over k sizes): bound them.
MAX_OUTPUTS = 10_000


class MultiOutput(Layer):
    MULTI_OUTPUT: ClassVar[bool] = True

    dim: AnyInt | DimName = 1  # torch numbering: 0 is the batch, 1 the channels; or a name
    piece: NonNeg | None = Field(
        default=None, description="which output this node is (set by the loader)"
    )

    def outputs(self) -> int:
        """How many outputs, known when the spec is loaded."""
        raise NotImplementedError

    def axis(self, x: Shape) -> int:
        rank = len(x)
        if isinstance(self.dim, str):
            names = self.axis_names(rank)  # the input's own: {channels, length, height}
            if self.dim not in names:
                raise LayerError(
                    f"the input ({rank} dims, batch excluded) has no {self.dim} dimension",
                    f"dims here: {', '.join(names) or 'numbered 1..' + str(rank)}",
                    field="dim",
                )
            return names.index(self.dim)
        if self.dim == 0 or not -rank <= (self.dim - 1 if self.dim > 0 else self.dim) < rank:
            raise LayerError(
                f"dim {self.dim} is outside the input's dimensions (1..{rank})", field="dim"
            )
        return self.dim - 1 if self.dim > 0 else self.dim + rank

    def span(self, n: Dim) -> tuple[Dim, Dim]:
        """(start, length) of this node's piece along an axis of size n."""
        raise NotImplementedError

    def shape(self, x: Shape) -> Shape:
        if self.piece is None:
            raise LayerError(
                f"{self.type} has several outputs; read one with from: <name>.<k>", field="type"
            )
        a = self.axis(x)
        _, length = self.span(x[a])
        return (*x[:a], length, *x[a + 1 :])

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """A piece along a spatial axis is the input shifted by the piece's start."""
        return Reads.shift(-self.span(x[1 + axis])[0]) if self.axis(x) == 1 + axis else POINTWISE

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        a = self.axis(x)
        start, length = self.span(x[a])
        return [f"output {self.piece}: {fmt(length)} of {fmt(x[a])}, from {fmt(start)}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # backward places the gradient by sizes

    def aliases(self) -> int | None:
        # each piece is a view of the input: a layer keeping it keeps the input's storage
        return 0

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        return 0, ins[0]  # a narrow: the input's strides, the other pieces skipped

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(self.type, inputs[0], y),)  # a tensor method in forward: no arithmetic

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        dim = self.axis(inputs[0]) + 1
        return f"torch.{self.type}({args[0]}, {self.torch_pieces()}, dim={dim})[{self.piece}]"

    def torch_pieces(self) -> str:
        """torch.split's sizes or torch.chunk's count, as source."""
        raise NotImplementedError


class Split(MultiOutput):
    TYPES = ("split",)
    split_size_or_sections: list[Size] = Field(
        alias="sections",
        min_length=1,
        max_length=MAX_OUTPUTS,
        description="the size of each piece, in order",
    )

    def outputs(self) -> int:
        return len(self.split_size_or_sections)

    def torch_pieces(self) -> str:
        return repr(list(self.split_size_or_sections))

    def span(self, n: Dim) -> tuple[Dim, Dim]:
        sizes = self.split_size_or_sections
        if isinstance(n, int) and sum(sizes) != n and not self.piece:  # said once, by output 0
            raise LayerError(
                f"sections {sizes} add up to {sum(sizes)} but the input has {n}",
                "the sections must add up to the size of the split dimension",
                field="sections",
                code="E102",
            )
        k = self.piece or 0
        return sum(sizes[:k]), sizes[k]


class Chunk(MultiOutput):
    TYPES = ("chunk",)
    chunks: Size = Field(le=MAX_OUTPUTS)

    def outputs(self) -> int:
        return self.chunks

    def torch_pieces(self) -> str:
        return repr(self.chunks)

    def span(self, n: Dim) -> tuple[Dim, Dim]:
        size = ceildiv(n, self.chunks)  # torch.chunk: pieces of ⌈n/chunks⌉, the last smaller
        k = self.piece or 0
        start = size * k
        if isinstance(n, int) and isinstance(start, int) and start >= n:
            raise LayerError(
                f"torch.chunk makes only {-(-n // size)} piece(s) of {n} here, "
                f"so output {k} does not exist",
                "use fewer chunks, or a size divisible by chunks",
                field="chunks",
                code="E102",
            )
        length = dmin(size, n - start)
        require_positive(length, f"output {k}", "use fewer chunks", "chunks")
        return start, length
