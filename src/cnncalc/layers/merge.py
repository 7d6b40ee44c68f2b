"""Merges of several inputs: add and mul (elementwise, with broadcasting, as torch's `+` and
`*`; mul is squeeze-and-excitation's rescaling) and concat (along channels or a named dim).
A shape error names every input layer and points at `from:`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Views,
    fmt,
    full,
    never_equal,
    numel,
    shape_str,
)
from cnncalc.layers.fields import AnyInt
from cnncalc.layers.layout import Strides, is_channels_last, laid_out
from cnncalc.sym import Dim

DimName = Literal["features", "channels", "length", "depth", "height", "width"]


def _fixed(d: Dim, value: int) -> bool:
    return isinstance(d, int) and d == value


class Merge(Layer):
    VIEWS: ClassVar[Views] = "keep"
    ARITY = None

    def named(self, inputs: Sequence[Shape]) -> str:
        """'bn2 (64×56×56) and downsample.1 (128×28×28)': the inputs as the spec names them."""
        refs = [self.from_] if isinstance(self.from_, str) else list(self.from_ or [])
        parts = [
            f"{refs[i]} ({shape_str(s)})" if i < len(refs) else shape_str(s)
            for i, s in enumerate(inputs)
        ]
        return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]

    def at_least_two(self, inputs: Sequence[Shape]) -> None:
        if len(inputs) < 2:
            raise LayerError(
                f"{self.type} needs two or more inputs",
                "list them in from:",
                field="from",
                code="E105",
            )


class Elementwise(Merge):
    TYPES = ("add", "mul")
    VIEWS = "elementwise"

    @property
    def operator(self) -> Literal["+", "*"]:
        """The elementwise operator, as Python and C write it."""
        return "+" if self.type == "add" else "*"

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        self.at_least_two(inputs)
        rank = max(len(s) for s in inputs)
        if any(len(s) != rank for s in inputs):
            # torch aligns (N, 4, 1, 1) with (N, 4) from the last axis, so the batch of the
            # shorter one meets a size of the longer one: (N, 4, N, 4), not a per-sample shape
            short = min(inputs, key=len)
            padded = ", ".join(fmt(d) for d in (*short, *[1] * (rank - len(short))))
            raise LayerError(
                f"cannot {self.type} {self.named(inputs)}: they have different numbers of "
                "dimensions, and torch would broadcast the batch dimension against another",
                "give them one rank first: reshape the smaller one "
                f"(e.g. type: reshape, shape: [{padded}]) or flatten the larger one",
                field="from",
                code="E102",
            )
        out: list[Dim] = []
        for axis in range(rank):
            sizes = [s[len(s) - rank + axis] for s in inputs if len(s) - rank + axis >= 0]
            big: list[Dim] = []
            for d in sizes:
                if not _fixed(d, 1) and not any(d == b for b in big):
                    big.append(d)
            if len(big) > 1:
                label = self.axis_label(rank, axis)
                raise LayerError(
                    f"cannot {self.type} {self.named(inputs)}: {label} "
                    + " vs ".join(fmt(b) for b in big),
                    "inputs must be equal or broadcast (size 1) in every dimension, "
                    "aligned from the last",
                    field="from",
                    code="E102",
                )
            out.append(big[0] if big else 1)
        return tuple(out)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        i = len(x) - len(y) + 1 + axis  # aligned from the last dimension
        if i < 0 or not _fixed(x[i], 1) or _fixed(y[1 + axis], 1):
            return super().reads(x, y, axis)
        return None  # one value broadcast to every position (squeeze-and-excitation's scale)

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        # one connection per input element that reaches an output (a broadcast one reaches many)
        return Counts(connections=numel(y) * len(inputs))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [f"{' and '.join(shape_str(s) for s in inputs)} -> {shape_str(y)} (broadcast)"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # add's backward passes the gradient on; mul keeps each factor where the other is
        # tracked; a * b * c multiplies left to right: each later factor and the product
        # so far (a tensor of its own, the broadcast size) keep each other
        if self.type == "add":
            return ()
        out = [Saved("input", 0, for_input=1), Saved("input", 1, for_input=0)]
        for j in range(2, len(inputs)):
            before = tuple(range(j))
            out.append(Saved("own", shape=self.infer(inputs[:j]), for_input=j))
            out.append(Saved("input", j, for_input=before))
        return tuple(out)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # the operator in forward (`a + b`), once per input after the first
        return tuple(Op(self.operator, x, y) for x in inputs[1:])

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        return f" {self.operator} ".join(args)


class Concat(Merge):
    TYPES = ("concat", "cat")
    dim: AnyInt | DimName = 1  # torch numbering: 0 is the batch, 1 the channels; or a name

    def joined_axis(self, rank: int) -> int | None:
        return self.axis(rank)

    def axis(self, rank: int) -> int:
        """Index into a batch-free shape of rank `rank`."""
        if isinstance(self.dim, str):
            names = self.axis_names(rank)  # the input's own: {channels, length, height}
            if self.dim not in names:
                raise LayerError(
                    f"the inputs ({rank} dims, batch excluded) have no {self.dim} dimension",
                    f"dims here: {', '.join(names) or 'numbered 1..' + str(rank)}",
                    field="dim",
                )
            return names.index(self.dim)
        if self.dim == 0 or not -rank <= (self.dim - 1 if self.dim > 0 else self.dim) < rank:
            raise LayerError(
                f"dim {self.dim} is outside the inputs' dimensions (1..{rank}; 0 is the batch)",
                "1 is the channels; negative counts from the last",
                field="dim",
            )
        return self.dim - 1 if self.dim > 0 else self.dim + rank

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        self.at_least_two(inputs)
        rank = len(inputs[0])
        if any(len(s) != rank for s in inputs):
            raise LayerError(
                f"cannot concat {self.named(inputs)}: they have different numbers of dimensions",
                "concat joins tensors of one rank",
                field="from",
                code="E102",
            )
        axis = self.axis(rank)
        for i in range(rank):
            sizes: list[Dim] = []
            for s in inputs:
                if not any(s[i] == d for d in sizes):
                    sizes.append(s[i])
            # symbolic sizes that agree for some inputs only are `cnncalc sizes`' question
            clash = any(never_equal(a, b) for j, a in enumerate(sizes) for b in sizes[j + 1 :])
            if i != axis and clash:
                label = self.axis_label(rank, i)
                joined = self.axis_label(rank, axis)
                raise LayerError(
                    f"cannot concat {self.named(inputs)} along {joined}: {label} "
                    + " vs ".join(fmt(d) for d in sizes),
                    "every dimension but the joined one must agree",
                    field="from",
                    code="E102",
                )
        total: Dim = 0
        for s in inputs:
            total = total + s[axis]
        return (*inputs[0][:axis], total, *inputs[0][axis + 1 :])

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if self.axis(len(x)) == 1 + axis:
            return "a concatenation along this axis"
        return POINTWISE

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        axis = self.axis(len(inputs[0]))
        return [f"{' + '.join(fmt(s[axis]) for s in inputs)} = {fmt(y[axis])}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # cat's backward slices the gradient by the inputs' sizes

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # cat allocates in the memory format its inputs suggest where they all suggest one
        # (compute_output_memory_format), else contiguous
        if any(s is None for s in ins):
            return None, None
        formats = {
            is_channels_last(full(batch, x), s)
            for x, s in zip(shapes, ins, strict=True)
            if s is not None
        }
        return None, laid_out(full(batch, y), formats == {True})

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("cat", inputs[0], y),)

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        return f"torch.cat([{', '.join(args)}], dim={self.axis(len(inputs[0])) + 1})"
