"""relativepositionbias: the learned relative position bias of torchvision's MaxViT
(RelativePositionalMultiHeadAttention.get_relative_positional_bias), added to attention logits:
y = x·scale + table[index], on logits (…, heads, N, N) over the N = Wh·Ww tokens of a window.

The one step of that attention the other kinds cannot write: a gather of the bias table
((2·Wh − 1)·(2·Ww − 1), heads) by the relative_position_index buffer (N, N), laid out as
(heads, N, N) and broadcast over the leading dimensions. The rest is linear, chunk, unflatten,
permute, matmul and softmax layers (specs/blocks/maxvit.yaml). `scale` multiplies the logits
first: torchvision scales k by feat_dim^-0.5 before q·kᵀ, the same product. Elementwise and an
index: no MACs (FlopCounterMode counts none); connections as the `add` kind."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Saved,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Number, Size, Sizes
from cnncalc.layers.swin_attention import axis_values


class RelativePositionBias(Layer):
    TYPES = ("relativepositionbias",)
    VIEWS = "elementwise"  # x * scale + bias: the logits' layout (the bias broadcast)

    window_size: Sizes  # [Wh, Ww], or one int for a square window (MaxViT's partition_size)
    num_heads: Size | None = None  # the logits' heads, dimension -3; cnncalc infers it
    scale: Number = 1.0

    def shape(self, x: Shape) -> Shape:
        if len(x) < 3:
            self.expect_rank(x, 3, "…×heads×N×N (attention logits)")
        wh, ww = axis_values(self.window_size, "window_size")
        n = wh * ww
        if any(not (isinstance(d, int) and d == n) for d in x[-2:]):  # a fixed window
            raise LayerError(
                f"the logits' last two dimensions are {fmt(x[-2])}×{fmt(x[-1])}; a {wh}×{ww} "
                f"window has {n} tokens, so its bias is {n}×{n}",
                "window_size is the window the attention runs over (N = Wh·Ww tokens)",
                field="window_size",
                code="E102",
            )
        self.check_in(self.num_heads, x[-3], "num_heads")
        return x

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        wh, ww = axis_values(self.window_size, "window_size")
        return (
            Tensor("relative_position_bias_table", ((2 * wh - 1) * (2 * ww - 1), x[-3])),
            Tensor("relative_position_index", (wh * ww, wh * ww), "buffer", "int64"),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        return held(self.state(x, y)).with_links(2 * numel(y))  # the logit and its bias

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        wh, ww = axis_values(self.window_size, "window_size")
        c = self.count(x, y)
        return [
            f"params = relative position bias table = (2·{wh} − 1)·(2·{ww} − 1)·{fmt(x[-3])} "
            f"= {fmt(c.trainable)}",
            f"buffers = relative_position_index = ({wh}·{ww})·({wh}·{ww}) = {fmt(c.buffers)}",
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # a product by a number and a sum keep nothing; the table's gather keeps its index,
        # a buffer
        return ()

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        heads = concrete(x[-3], "num_heads")
        window = axis_values(self.window_size, "window_size")
        # torch_helpers.RelativePositionBias: torchvision's table, index buffer and gather
        return f"RelativePositionBias({pyargs(window, heads, **self.torch_kwargs('scale'))})"
