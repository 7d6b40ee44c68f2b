"""linear: y = xWᵀ + b over the last dimension, as torch.nn.Linear."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Tensor,
    concrete,
    factor,
    fmt,
    full,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Size
from cnncalc.layers.layout import Strides, dense, view


class Linear(Layer):
    TYPES = ("linear",)
    WANTS_FLAT = True

    out_features: Size
    in_features: Size | None = None
    bias: bool = True

    def shape(self, x: Shape) -> Shape:
        if not x:
            self.expect_rank(x, 1, "F (features)")
        self.check_in(self.in_features, x[-1], "in_features")
        return (*x[:-1], self.out_features)

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        weight = Tensor("weight", (self.out_features, x[-1]))
        return (weight, Tensor("bias", (self.out_features,))) if self.bias else (weight,)

    def count(self, x: Shape, y: Shape) -> Counts:
        state = self.state(x, y)
        c = held(state)
        rows = numel(x[:-1])  # a non-flat input applies the layer at every leading position
        return c.with_links(c.trainable * rows, numel(state[0].shape) * rows)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        macs = x[-1] * self.out_features * numel(x[:-1])
        return (Op("linear", x, y, "Linear", macs, self.bias),)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return None if 1 + axis == len(x) - 1 else POINTWISE  # it mixes the last dimension

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        c = self.count(x, y)
        b = 1 if self.bias else 0
        return [
            f"params = {self.out_features}·({fmt(x[-1])} + {b}) = {fmt(c.trainable)}",
            f"MACs = {factor(x[-1])}·{self.out_features}"
            + (f"·{factor(numel(x[:-1]))}" if len(x) > 1 else "")
            + f" = {fmt(c.macs)}",
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return (Saved("input"),)  # addmm/matmul keep the input (a view of it past 2-D)

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # on a 2-D input (batch×features) addmm/mm keep it at any strides; past 2-D torch
        # folds the leading axes with reshape (_flatten_nd_linear, matmul's fold) and keeps
        # the fold: a view of the input where its strides allow, else a copy
        x, s = inputs[0], strides[0]
        if len(x) == 1:
            return self.saved(inputs, y)
        if s is None:
            return None
        sizes = full(batch, x)
        if view(sizes, s, (numel(sizes[:-1]), sizes[-1])) is not None:
            return self.saved(inputs, y)
        return (Saved("own", shape=x),)

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        if ins[0] is None and len(y) > 1:
            return None  # the fold's layout is not known
        return None, dense(full(batch, y))  # addmm/mm's result, viewed to the input's rank

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        cin = concrete(x[-1], "in_features")  # after a flatten: fixed by the spec's input size
        return f"nn.Linear({pyargs(cin, self.out_features, **self.torch_kwargs('bias'))})"
