"""Merges of several inputs: add and mul (elementwise, with broadcasting) and concat."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Counts, Layer, Shape, numel, shape_str
from cnncalc.layers.fields import AnyInt
from cnncalc.sym import Dim


class Elementwise(Layer):
    TYPES = ("add", "mul")
    ARITY = None
    SHORTHAND_ACTIVATION = True

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if len(inputs) < 2:
            raise LayerError(f"{self.type} needs two or more inputs", "list them in from:", field="from", code="E105")
        rank = max(len(s) for s in inputs)
        out: list[Dim] = []
        for axis in range(rank):
            sizes = [s[len(s) - rank + axis] for s in inputs if len(s) - rank + axis >= 0]
            big = {d for d in sizes if not (isinstance(d, int) and d == 1)}
            if len(big) > 1:
                raise LayerError(
                    f"cannot {self.type} shapes " + " and ".join(shape_str(s) for s in inputs),
                    "inputs must be equal or broadcast (size 1) in every dimension",
                    field="from",
                    code="E102",
                )
            out.append(big.pop() if big else 1)
        return tuple(out)

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        return Counts(connections=numel(y) * len(inputs))


class Concat(Layer):
    TYPES = ("concat", "cat")
    ARITY = None
    dim: AnyInt = 1  # torch numbering: 0 is the batch, 1 the channels

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if len(inputs) < 2:
            raise LayerError("concat needs two or more inputs", "list them in from:", field="from", code="E105")
        rank = len(inputs[0])
        axis = self.dim - 1 if self.dim > 0 else self.dim + rank
        if not 0 <= axis < rank or self.dim == 0:
            raise LayerError(f"dim {self.dim} is outside the inputs' {rank} dimensions", field="dim")
        for s in inputs[1:]:
            same_rank = len(s) == rank
            if not same_rank or any(
                i != axis and isinstance(a, int) and isinstance(b, int) and a != b
                for i, (a, b) in enumerate(zip(s, inputs[0], strict=True))
            ):
                raise LayerError(
                    "cannot concat shapes " + " and ".join(shape_str(t) for t in inputs) + f" along dim {self.dim}",
                    "all dimensions but the concatenated one must agree",
                    field="from",
                    code="E102",
                )
        total: Dim = 0
        for s in inputs:
            total = total + s[axis]
        return (*inputs[0][:axis], total, *inputs[0][axis + 1 :])
