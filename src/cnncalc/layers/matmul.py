"""matmul: the matrix product of two layer outputs, as torch.matmul (`from: [a, b]`): the last
two dimensions multiply (…×n×k by …×k×m gives …×n×m), the leading ones broadcast.

Shapes are batch-free and torch's dim 0 is the batch, so both inputs need two dimensions or
more (a flat input would be multiplied across the batch) and one rank (torch would broadcast
the batch against another dimension). MACs: n·k·m per broadcast matrix pair, as torch's
FlopCounterMode counts bmm/mm."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Agreement,
    Counts,
    Layer,
    Reads,
    Saved,
    Shape,
    fmt,
    full,
    never_equal,
    numel,
    shape_str,
)
from cnncalc.layers.layout import Strides, dense, view
from cnncalc.sym import Dim


def _one(d: Dim) -> bool:
    return isinstance(d, int) and d == 1


class MatMul(Layer):
    TYPES = ("matmul",)
    ARITY = 2

    def named(self, inputs: Sequence[Shape]) -> str:
        """'q (5×8) and k (8×5)': the inputs as the spec names them."""
        refs = list(self.from_) if isinstance(self.from_, list) else []
        names = [f"{r} ({shape_str(s)})" for r, s in zip(refs, inputs, strict=False)]
        return " and ".join(names or [shape_str(s) for s in inputs])

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if len(inputs) != 2:
            raise LayerError(
                f"matmul takes two inputs, got {len(inputs)}",
                "from: [a, b]",
                field="from",
                code="E105",
            )
        a, b = inputs
        if len(a) < 2 or len(b) < 2 or len(a) != len(b):
            raise LayerError(
                f"cannot matmul {self.named(inputs)}: both need one rank of two dimensions or "
                "more (batch excluded); torch would multiply across the batch otherwise",
                "reshape them to …×n×k and …×k×m of one rank",
                field="from",
                code="E102",
            )
        if never_equal(a[-1], b[-2]):
            raise LayerError(
                f"cannot matmul {self.named(inputs)}: {fmt(a[-1])} columns vs {fmt(b[-2])} rows",
                "the first's last dimension must equal the second's next to last",
                field="from",
                code="E102",
            )
        lead: list[Dim] = []
        for p, q in zip(a[:-2], b[:-2], strict=True):
            if p == q or _one(q):
                lead.append(p)
            elif _one(p):
                lead.append(q)
            else:
                raise LayerError(
                    f"cannot matmul {self.named(inputs)}: leading dimensions {fmt(p)} vs "
                    f"{fmt(q)} do not broadcast",
                    "leading dimensions must be equal or 1",
                    field="from",
                    code="E102",
                )
        return (*lead, a[-2], b[-1])

    def agreements(self, inputs: Sequence[Shape]) -> list[Agreement]:
        """The first's columns and the second's rows; the leading dimensions broadcast."""
        a, b = inputs
        lead = [Agreement(((0, i), (1, i)), True, True) for i in range(min(len(a), len(b)) - 2)]
        return [Agreement(((0, len(a) - 1), (1, len(b) - 2))), *lead]

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        macs = numel(y) * inputs[0][-1]  # every output element sums k products
        return Counts(connections=macs, macs=macs)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return "not defined: a matrix product mixes the positions it contracts"

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # torch.matmul past 2-D: each input expanded to the broadcast leading dims and
        # reshaped to (batches, n, k) for bmm, which keeps each for the other's gradient:
        # a view of the input where its strides allow, else a copy of the expanded size
        if any(s is None for s in strides):
            return None
        lead = y[:-2]
        out = []
        for i, (x, s) in enumerate(zip(inputs, strides, strict=True)):
            assert s is not None
            sizes, wide = full(batch, x), full(batch, (*lead, *x[-2:]))
            expanded = tuple(
                0 if n == 1 and m != 1 else t for n, m, t in zip(sizes, wide, s, strict=True)
            )
            rows = numel(wide[:-2])
            fold = view(wide, expanded, (rows, *wide[-2:]))
            other = 1 - i
            kept = Saved("input", i, for_input=other)
            out.append(kept if fold is not None else Saved("own", shape=wide[1:], for_input=other))
        return tuple(out)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, x)) for x in inputs])

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        return None, dense(full(batch, y))  # bmm's result, viewed to the output's shape

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        a, b = inputs
        c = self.counts(inputs, y)
        return [
            f"{shape_str(a)} @ {shape_str(b)} -> {shape_str(y)}",
            f"MACs = {'·'.join(fmt(d) for d in y)}·{fmt(a[-1])} = {fmt(c.macs)}",
        ]

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        return f"torch.matmul({args[0]}, {args[1]})"
