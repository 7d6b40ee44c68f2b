"""layernorm2d: torchvision's LayerNorm2d (ConvNeXt): a LayerNorm over the channels of a
C×H×W input, each position normalized on its own (torch permutes to channels-last and back).

Its own type rather than a `dim` option on `layernorm`: it is the class a torchvision user
sees in `print(model)`, with nn.LayerNorm's arguments and state_dict (weight, bias of C).
The generated torch code defines it (codegen/torch_helpers.py): torchvision is not needed."""

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
    fmt,
    full,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Number, Size
from cnncalc.layers.layout import Strides, dense, permute


class LayerNorm2d(Layer):
    TYPES = ("layernorm2d",)
    DIMS = (2,)  # a C×H×W input, as torchvision's LayerNorm2d

    normalized_shape: Size | None = None  # the channels; cnncalc infers it
    eps: Number = 1e-5  # nn.LayerNorm's, which LayerNorm2d keeps; ConvNeXt passes 1e-6
    elementwise_affine: bool = True
    bias: bool = True

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 3, "C×H×W")
        self.check_in(self.normalized_shape, x[0], "normalized_shape")
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return POINTWISE  # statistics over the channels of one position

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        if not self.elementwise_affine:
            return ()
        return (Tensor("weight", (x[0],)), *((Tensor("bias", (x[0],)),) if self.bias else ()))

    def count(self, x: Shape, y: Shape) -> Counts:
        # as layernorm: each unit its one input, plus one per shift
        shift = self.elementwise_affine and self.bias
        return held(self.state(x, y)).with_links(numel(y) * (2 if shift else 1))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        if not self.elementwise_affine:
            return ["params = 0 (elementwise_affine: false)"]
        per = 2 if self.bias else 1  # a scale per channel, and a shift unless bias: false
        c = inputs[0][0]
        return [f"params = {per}·{fmt(c)} = {fmt(self.count(inputs[0], y).trainable)}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # layer_norm keeps its argument, the channels-last view of the input (its storage),
        # and a mean and reciprocal standard deviation per position (N×H×W)
        stat = Saved("own", shape=inputs[0][1:])
        return (Saved("input"), stat, stat)

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # layer_norm's contiguous N×H×W×C result permuted back: channels-last strides; its
        # input, the permuted view, is kept whatever its layout
        n, c, h, w = full(batch, y)
        return None, permute(dense((n, h, w, c)), (0, 3, 1, 2))

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # cnncalc's LayerNorm2d (an nn.LayerNorm subclass): permute, F.layer_norm, permute
        x = inputs[0]
        last = (*x[1:], x[0])
        norm = Op("layer_norm", last, last, affine=self.elementwise_affine)
        return (Op("permute", x, last), norm, Op("permute", last, y))

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("eps", "elementwise_affine", "bias")
        return f"LayerNorm2d({pyargs(concrete(x[0], 'channels'), **kw)})"
