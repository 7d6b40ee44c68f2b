"""rbf: LeNet-5's Euclidean radial basis output, y_i = Σ_j (x_j − w_ij)².

The paper chose the vectors by hand and kept them fixed: `trainable: false`."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import Counts, Layer, Op, Saved, Shape, Tensor, concrete, fmt, held, pyargs
from cnncalc.layers.fields import Size


class RBF(Layer):
    TYPES = ("rbf",)

    out_features: Size
    in_features: Size | None = None
    trainable: bool = True

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 1, "flat F")
        self.check_in(self.in_features, x[0], "in_features")
        return (self.out_features,)

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        return (
            Tensor("weight", (self.out_features, x[0]), "trainable" if self.trainable else "fixed"),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        c = held(self.state(x, y))
        # each output unit reads every input; one (x − w)² accumulation per weight
        return c.with_links(c.params, c.params)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        c = self.count(inputs[0], y)
        kind = "trainable" if self.trainable else "fixed"
        return [f"params = {self.out_features}·{fmt(inputs[0][0])} = {fmt(c.params)} ({kind})"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # ((x.unsqueeze(-2) - w) ** 2).sum(-1): the square keeps the differences, one per
        # output and input feature
        x = inputs[0]
        return (Saved("own", shape=(*x[:-1], self.out_features, x[-1])),)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # cnncalc's EuclideanRBF: (x.unsqueeze(-2) - w) ** 2, summed: no matmul kernel
        x = inputs[0]
        diff = (*y, x[-1])
        return (Op("-", x, diff), Op("**", diff, diff), Op("sum", diff, y))

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        cin = concrete(x[0], "in_features")
        return f"EuclideanRBF({pyargs(cin, self.out_features, **self.torch_kwargs('trainable'))})"
