"""parameter: a tensor of the network's own, combined with the data (torch's `nn.Parameter`
used in forward): ConvNeXt's `layer_scale * x`, ViT's `x + pos_embedding` and
`torch.cat([class_token.expand(n, -1, -1), x], dim=1)`; or read alone (`op: alone`): Swin v2's
`cpb_mlp(self.relative_coords_table)`, a buffer (`buffer: true`, torch's register_buffer) that
a module feeds to its own layers. An `alone` tensor's input only places it in the graph: its
value reads none of it.

The tensor is held by the module around the layer under the layer's last name part, so the
layer's name is its state_dict key (`encoder.pos_embedding`), as in torch: the layer declares
one tensor named "" (codegen/pytorch.py places such a tensor on the parent module). `size` is
torch's full shape, aligned right against the batched input (N, *x) as torch broadcasts; the
batch axis stays the data's: a size there is 1 (concat expands it over N). `alone` gives the
tensor itself, batch axis 1 included (torch's shape: 1 × the rest), whatever the batch.
Elementwise work only: no MACs (FlopCounterMode counts none), connections as the `add`, `mul`
and `concat` kinds (`alone`: none)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Tensor,
    fmt,
    full,
    held,
    never_equal,
    numel,
    shape_str,
)
from cnncalc.layers.fields import AnyInt, TensorSize
from cnncalc.layers.layout import Strides, dense, elementwise
from cnncalc.layers.permute import batch_free
from cnncalc.sym import Dim

OPERATORS = {"mul": "*", "add": "+"}


def _fixed(d: Dim, value: int) -> bool:
    return isinstance(d, int) and d == value


class Parameter(Layer):
    VIEWS = "keep"
    TYPES = ("parameter",)
    SHORTHAND_ACTIVATION = False  # the layer's name is its tensor's: no module to chain after

    size: TensorSize  # torch's shape of the parameter, batch position included
    op: Literal["mul", "add", "concat", "alone"]
    dim: AnyInt | None = None  # concat only: torch numbering, 0 is the batch
    trainable: bool = True  # False: requires_grad=False (a parameter all the same)
    buffer: bool = False  # True: a buffer (register_buffer), not a parameter; trainable unused

    def per_sample(self, x: Shape) -> tuple[int, ...]:
        """The parameter without the batch axis: its size there must be 1 (or absent)."""
        p, rank = self.size, len(x) + 1
        if self.op == "alone":
            if len(p) < 2 or p[0] != 1:
                raise LayerError(
                    f"size {list(p)}: op alone gives the tensor itself, whose first dimension "
                    "stands at the batch position",
                    "give size as 1 (the batch position) followed by the tensor's shape",
                    field="size",
                    code="E102",
                )
            return p[1:]
        if self.op == "concat" and len(p) != rank:
            raise LayerError(
                f"size {list(p)} has {len(p)} dimensions; concat joins it to the "
                f"{rank}-d batched input (N, {shape_str(x)})",
                f"give size {rank} dimensions, the first 1 (expanded over the batch)",
                field="size",
                code="E102",
            )
        if len(p) > rank:
            raise LayerError(
                f"size {list(p)} has {len(p)} dimensions, more than the batched input "
                f"(N, {shape_str(x)}): torch would broadcast the data into new ones",
                f"at most {rank} dimensions, aligned from the last",
                field="size",
                code="E102",
            )
        if len(p) == rank:
            if p[0] != 1:
                raise LayerError(
                    f"size {list(p)} has {p[0]} at the batch position of (N, {shape_str(x)}): "
                    "a parameter may not change the batch",
                    "put 1 there, or leave the batch dimension out",
                    field="size",
                    code="E102",
                )
            return p[1:]
        return p

    def axis(self, x: Shape) -> int:
        """concat's axis, as an index into the batch-free shape."""
        if self.dim is None:
            raise LayerError(
                "op concat needs dim: the dimension to join along",
                "dim: 1 puts the parameter before the data along dimension 1 (0 is the batch)",
                field="dim",
                code="E102",
            )
        return batch_free(self.dim, len(x) + 1, "dim")

    def shape(self, x: Shape) -> Shape:
        q = self.per_sample(x)
        if self.op != "concat" and self.dim is not None:
            does = "takes no axis" if self.op == "alone" else "broadcasts over every dimension"
            raise LayerError(
                f"dim is for op concat; op {self.op} {does}",
                "remove dim",
                field="dim",
            )
        if self.op == "alone":
            return q  # the tensor itself: its input only orders it in the graph
        if self.op != "concat":
            lead = len(x) - len(q)
            out = list(x)
            for i, d in enumerate(q):
                a = x[lead + i]
                if d == 1 or _fixed(a, d):
                    continue
                if _fixed(a, 1):
                    out[lead + i] = d  # the data broadcast to the parameter's size
                    continue
                raise LayerError(
                    f"cannot {self.op} a parameter of size {list(self.size)} to "
                    f"(N, {shape_str(x)}): {self.axis_label(len(x), lead + i)} "
                    f"{fmt(a)} vs {d}"
                    + ("" if isinstance(a, int) else " (for some allowed inputs)"),
                    "sizes must be equal or 1, aligned from the last (torch's broadcasting)",
                    field="size",
                    code="E102",
                )
            return tuple(out)
        a = self.axis(x)
        for i, (d, have) in enumerate(zip(q, x, strict=True)):
            if i != a and never_equal(d, have):
                raise LayerError(
                    f"cannot concat a parameter of size {list(self.size)} to "
                    f"(N, {shape_str(x)}) along dimension {self.dim}: "
                    f"{self.axis_label(len(x), i)} {fmt(have)} vs {d}",
                    "every dimension but the joined one must agree",
                    field="size",
                    code="E102",
                )
        return (*x[:a], q[a] + x[a], *x[a + 1 :])

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        # named "": the layer's own name is the key, under the module around it
        kind: Literal["trainable", "fixed", "buffer"] = (
            "buffer" if self.buffer else "trainable" if self.trainable else "fixed"
        )
        return (Tensor("", self.size, kind),)

    def count(self, x: Shape, y: Shape) -> Counts:
        # as the add and mul kinds (E_out per input: the data, the parameter); concat's and
        # alone's none (alone reads no data)
        links = 0 if self.op in ("concat", "alone") else 2 * numel(y)
        return held(self.state(x, y)).with_links(links)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if self.op == "alone":
            return "not defined: the tensor reads no position of its input"
        if self.op == "concat" and self.axis(x) == 1 + axis:
            return "a concatenation along this axis"
        if self.op != "concat" and _fixed(x[1 + axis], 1) and not _fixed(y[1 + axis], 1):
            return None  # the data's one position broadcast to the parameter's size
        return POINTWISE

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        p = self.size
        label = "buffers" if self.buffer else "params"
        params = f"{label} = {numel(p):,}" + (f" ({'·'.join(map(str, p))})" if len(p) > 1 else "")
        if self.op == "alone":
            return [params, f"the tensor alone: {list(p)} -> (1, {shape_str(y)})"]
        if self.op == "concat":
            a = self.axis(inputs[0])
            return [params, f"{p[a + 1]} + {fmt(inputs[0][a])} = {fmt(y[a])} along dim {self.dim}"]
        return [params, f"(N, {shape_str(inputs[0])}) {OPERATORS[self.op]} {list(p)} -> "
                f"(N, {shape_str(y)})"]  # fmt: skip

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # mul keeps the data for a trained tensor's gradient (the tensor itself is state);
        # add and concat keep nothing; `alone` makes its output the tensor
        if self.op == "alone":
            return ()
        trained = self.op == "mul" and self.trainable and not self.buffer
        return (Saved("input"),) if trained else ()

    def output_is_state(self) -> bool:
        return self.op == "alone"

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        s, x = ins[0], full(batch, shapes[0])
        if self.op == "alone":
            return None, dense(self.size)
        if self.op == "concat":
            # cat of the expanded tensor (its batch stride 0 suggests contiguous) and the
            # data: contiguous (compute_output_memory_format)
            return None, dense(full(batch, y))
        if s is None:
            return None, None
        # `param * x` and `x + param`, as the generated code writes them: a TensorIterator
        # op, whose axis order the operands' strides decide in that order
        tensor = (tuple(self.size), dense(self.size))
        operands = [tensor, (x, s)] if self.op == "mul" else [(x, s), tensor]
        return None, elementwise(full(batch, y), operands)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # forward reads the parameter (an attribute, not a module) and applies an operator
        x = inputs[0] if inputs else y
        name = {"alone": "parameter", "concat": "cat", "mul": "*", "add": "+"}[self.op]
        return (Op(name, x, y),)

    def torch_forward(self, args: Sequence[str], inputs: Sequence[Shape], y: Shape) -> str | None:
        """args: the input, then the parameter's accessor (codegen passes it)."""
        x, param = args[0], args[-1]
        if self.op == "alone":
            return param
        if self.op == "concat":
            rank = len(inputs[0])
            grown = f"{param}.expand({x}.shape[0], {', '.join(['-1'] * rank)})"
            return f"torch.cat([{grown}, {x}], dim={self.axis(inputs[0]) + 1})"
        return f"{param} * {x}" if self.op == "mul" else f"{x} + {param}"
