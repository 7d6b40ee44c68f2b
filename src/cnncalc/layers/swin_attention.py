"""shiftedwindowattention: torchvision's ShiftedWindowAttention (Swin Transformer v1) on an
H×W×C (channels-last) input: multi-head self-attention inside Wh×Ww windows, with a learned
relative position bias; shift_size > 0 rolls the map first (shifted windows, masked).

torchvision pads H and W up to multiples of the window, so every count is over the padded
positions P = ⌈H/Wh⌉·Wh · ⌈W/Ww⌉·Ww, and calls its qkv and proj Linear modules through
F.linear (no module call of their own). MACs as FlopCounterMode counts them: qkv and proj
(addmm, mm without a bias) and the two bmm's, q·kᵀ and attn·v, each N·C per position,
N = Wh·Ww the window's tokens (docs/counting.md). The shift moves positions, not figures; where
the window covers a padded axis whole, torchvision shifts that axis by 0."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Reads,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    pyargs,
)
from cnncalc.layers.fields import NonNegs, Prob, Size, Sizes
from cnncalc.sym import Dim, ceildiv


def pair(value: int | tuple[int, ...], field: str) -> tuple[int, int]:
    """torchvision's [height, width] list; one int stands for both."""
    if isinstance(value, int):
        return value, value
    if len(value) != 2:
        raise LayerError(
            f"{field} has {len(value)} entries; torchvision takes [height, width]",
            f"give {field} as a list of 2 (or one int for both)",
            field=field,
            code="E102",
        )
    return value[0], value[1]


class ShiftedWindowAttention(Layer):
    TYPES = ("shiftedwindowattention",)

    dim: Size | None = None  # the channels C; cnncalc infers it
    window_size: Sizes
    shift_size: NonNegs
    num_heads: Size
    qkv_bias: bool = True
    proj_bias: bool = True
    attention_dropout: Prob = 0.0
    dropout: Prob = 0.0

    @property
    def window(self) -> tuple[int, int]:
        return pair(self.window_size, "window_size")

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 3, "H×W×C (channels last)")
        pair(self.shift_size, "shift_size")
        self.check_in(self.dim, x[-1], "dim")
        c = x[-1]
        if isinstance(c, int) and c % self.num_heads:
            raise LayerError(
                f"dim {c} is not divisible by num_heads {self.num_heads}",
                "torchvision splits the channels evenly across the heads; pick a divisor",
                field="num_heads",
                code="E102",
            )
        return x

    def padded(self, x: Shape) -> tuple[Dim, Dim]:
        """H and W padded up to multiples of the window (torchvision's F.pad)."""
        wh, ww = self.window
        return ceildiv(x[0], wh) * wh, ceildiv(x[1], ww) * ww

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        wh, ww = self.window
        c = x[-1]
        return (
            Tensor("relative_position_bias_table", ((2 * wh - 1) * (2 * ww - 1), self.num_heads)),
            Tensor("relative_position_index", ((wh * ww) ** 2,), "buffer", "int64"),
            Tensor("qkv.weight", (3 * c, c)),
            *((Tensor("qkv.bias", (3 * c,)),) if self.qkv_bias else ()),
            Tensor("proj.weight", (c, c)),
            *((Tensor("proj.bias", (c,)),) if self.proj_bias else ()),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        ph, pw = self.padded(x)
        wh, ww = self.window
        p, n, c = ph * pw, wh * ww, x[-1]
        attention = 2 * p * n * c  # q·kᵀ and attn·v: N keys per query, C over the heads
        macs = p * c * 3 * c + p * c * c + attention
        # the projections as linear layers (a bias per row), and one table bias per logit
        qkv, proj = int(self.qkv_bias), int(self.proj_bias)
        links = p * 3 * c * (c + qkv) + p * c * (c + proj) + attention + p * n * self.num_heads
        return held(self.state(x, y)).with_links(links, macs)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return "not defined: attention mixes the positions of a (shifted, padded) window"

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        c, heads = x[-1], self.num_heads
        (wh, ww), (ph, pw) = self.window, self.padded(x)
        counts = self.count(x, y)
        qb, pb = int(self.qkv_bias), int(self.proj_bias)
        return [
            "params = qkv + proj + relative position bias table = "
            f"3·{fmt(c)}·({fmt(c)} + {qb}) + {fmt(c)}·({fmt(c)} + {pb}) + "
            f"(2·{wh} − 1)·(2·{ww} − 1)·{heads} = {fmt(counts.trainable)}",
            f"buffers = relative_position_index = ({wh}·{ww})·({wh}·{ww}) = {fmt(counts.buffers)}",
            f"windows = H×W {fmt(x[0])}×{fmt(x[1])} padded to {fmt(ph)}×{fmt(pw)}, "
            f"whole {wh}×{ww} windows",
            "MACs = qkv, proj, q·kᵀ and attn·v over the padded positions = "
            f"{fmt(ph)}·{fmt(pw)}·{fmt(c)}·(4·{fmt(c)} + 2·{wh}·{ww}) = {fmt(counts.macs)}",
        ]

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("qkv_bias", "proj_bias", "attention_dropout", "dropout")
        c = concrete(x[-1], "dim")
        shift = pair(self.shift_size, "shift_size")
        # torch_helpers.ShiftedWindowAttention: torchvision's class, state_dict and forward
        return f"ShiftedWindowAttention({pyargs(c, self.window, shift, self.num_heads, **kw)})"
