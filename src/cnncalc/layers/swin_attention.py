"""shiftedwindowattention: torchvision's ShiftedWindowAttention (Swin Transformer v1) on an
H×W×C (channels-last) input: multi-head self-attention inside Wh×Ww windows, with a learned
relative position bias; shift_size > 0 rolls the map first (shifted windows, masked).

torchvision pads H and W up to multiples of the window, so every count is over the padded
positions P = ⌈H/Wh⌉·Wh · ⌈W/Ww⌉·Ww, and calls its qkv and proj Linear modules through
F.linear (no module call of their own). MACs as FlopCounterMode counts them: qkv and proj
(addmm, mm without a bias) and the two bmm's, q·kᵀ and attn·v, each N·C per position,
N = Wh·Ww the window's tokens (docs/counting.md). The shift moves positions, not figures; where
the window covers a padded axis whole, torchvision shifts that axis by 0.

The rules are written over the window's axes (AXES), so that shiftedwindowattention3d
(swin_attention3d.py, Video Swin's T×H×W windows) is this kind with its own window rule."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
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
from cnncalc.layers.fields import NonNegs, Prob, Size, Sizes
from cnncalc.layers.layout import Strides, dense, is_contiguous, permute, view
from cnncalc.sym import Dim, ceildiv, floordiv


def axis_values(
    value: int | tuple[int, ...], field: str, axes: tuple[str, ...] = ("H", "W")
) -> tuple[int, ...]:
    """torchvision's list, one entry per window axis; one int stands for all."""
    n = len(axes)
    if isinstance(value, int):
        return (value,) * n
    if len(value) != n:
        raise LayerError(
            f"{field} has {len(value)} entries; torchvision takes [{', '.join(axes)}]",
            f"give {field} as a list of {n} (or one int for all)",
            field=field,
            code="E102",
        )
    return value


class ShiftedWindowAttention(Layer):
    TYPES = ("shiftedwindowattention",)
    AXES: ClassVar[tuple[str, ...]] = ("H", "W")  # the window's axes, in torchvision's order
    HELPER: ClassVar[str] = "ShiftedWindowAttention"  # its class in codegen/torch_helpers.py

    dim: Size | None = None  # the channels C; cnncalc infers it
    window_size: Sizes
    shift_size: NonNegs
    num_heads: Size
    qkv_bias: bool = True
    proj_bias: bool = True
    attention_dropout: Prob = 0.0
    dropout: Prob = 0.0

    def per_axis(self, value: int | tuple[int, ...], field: str) -> tuple[int, ...]:
        return axis_values(value, field, self.AXES)

    @property
    def window(self) -> tuple[int, ...]:
        return self.per_axis(self.window_size, "window_size")

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, len(self.AXES) + 1, f"{'×'.join(self.AXES)}×C (channels last)")
        self.per_axis(self.shift_size, "shift_size")
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

    def windows(self, x: Shape) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
        """The window torchvision applies to this input, and the sizes padded up to its
        multiples (torchvision's F.pad)."""
        window = self.window
        return window, tuple(ceildiv(s, k) * k for s, k in zip(x[:-1], window, strict=True))

    def index_shape(self, n: int) -> Shape:
        """relative_position_index for a window of n tokens: flattened, as torchvision's
        define_relative_position_index registers it."""
        return (n * n,)

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        window, c = self.window, x[-1]
        return (
            Tensor(
                "relative_position_bias_table", (numel(2 * k - 1 for k in window), self.num_heads)
            ),
            Tensor("relative_position_index", self.index_shape(numel(window)), "buffer", "int64"),
            Tensor("qkv.weight", (3 * c, c)),
            *((Tensor("qkv.bias", (3 * c,)),) if self.qkv_bias else ()),
            Tensor("proj.weight", (c, c)),
            *((Tensor("proj.bias", (c,)),) if self.proj_bias else ()),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        used, padded = self.windows(x)
        p, n, c = numel(padded), numel(used), x[-1]
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
        c, heads, window = x[-1], self.num_heads, self.window
        used, padded = self.windows(x)
        counts = self.count(x, y)
        qb, pb = int(self.qkv_bias), int(self.proj_bias)
        tokens = "·".join(map(str, window))

        def times(sizes: Sequence[Dim], sign: str) -> str:
            return sign.join(factor(s) for s in sizes)

        return [
            "params = qkv + proj + relative position bias table = "
            f"3·{fmt(c)}·({fmt(c)} + {qb}) + {fmt(c)}·({fmt(c)} + {pb}) + "
            f"{'·'.join(f'(2·{k} − 1)' for k in window)}·{heads} = {fmt(counts.trainable)}",
            f"buffers = relative_position_index = ({tokens})·({tokens}) = {fmt(counts.buffers)}",
            f"windows = {'×'.join(self.AXES)} {times(x[:-1], '×')} padded to "
            f"{times(padded, '×')}, whole {times(used, '×')} windows",
            "MACs = qkv, proj, q·kᵀ and attn·v over the padded positions = "
            f"{times(padded, '·')}·{fmt(c)}·(4·{fmt(c)} + 2·{times(used, '·')}) = "
            f"{fmt(counts.macs)}",
        ]

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # torchvision's forward on the CPU, P padded positions of C channels per sample: the
        # windows gathered (a copy) and kept by qkv's F.linear; q scaled (a new tensor); k
        # and v, reshaped for the batched matmuls, copies of their slices of qkv's output,
        # except with one head or one window in all (batch 1), where they are views of it
        # (the whole output kept); the softmax's result; the heads joined (a copy) for
        # proj. Dropout keeps its noise, and the matmul after it the dropped attention.
        used, padded = self.windows(inputs[0])
        c, heads, n = inputs[0][-1], self.num_heads, numel(used)
        windows = numel(
            floordiv(p, concrete(k, "a window")) for p, k in zip(padded, used, strict=True)
        )
        tokens = Saved("own", shape=(*padded, c))
        attn = Saved("own", shape=(windows, heads, n, n))
        kv: tuple[Saved, ...] = (Saved("own", shape=(3, *padded, c)),)
        if heads != 1 and not (batch == 1 and windows == 1):
            kv = (tokens, tokens)
        return (
            tokens,
            tokens,
            *kv,
            attn,
            *self.noise(self.attention_dropout, attn, keeps=True),
            tokens,
            *self.noise(self.dropout, tokens, keeps=False),
        )

    def storage(self, batch: int, inputs: Sequence[Shape], y: Shape) -> Shape:
        # the output x[:, :h, :w, :].contiguous() is a view of the padded result where that
        # crop is contiguous, else a copy: the windows put back (a view, permute, reshape:
        # a view or a copy by strides), rolled back (a copy) where shifted, then cropped
        x = inputs[0]
        used, padded = self.windows(x)
        k, ends = len(used), [concrete(p, "a padded size") for p in padded]
        sides = [concrete(u, "a window") for u in used]
        c = concrete(x[-1], "dim")
        split = (batch, *[e // w for e, w in zip(ends, sides, strict=True)], *sides, c)
        order = (0, *[a for i in range(k) for a in (1 + i, 1 + k + i)], 1 + 2 * k)
        whole = (batch, *ends, c)
        laid = view([split[a] for a in order], permute(dense(split), order), whole)
        shift = self.per_axis(self.shift_size, "shift_size")
        if laid is None or any(t and w < e for t, w, e in zip(shift, sides, ends, strict=True)):
            laid = dense(whole)
        return (*padded, x[-1]) if is_contiguous(full(batch, x), laid) else y

    @staticmethod
    def noise(p: float, like: Saved, keeps: bool) -> tuple[Saved, ...]:
        """F.dropout's saved tensors on the CPU: the noise (one zero for p = 1), and its
        result where the next op keeps it (`keeps`); nothing for p = 0."""
        if p == 0:
            return ()
        noise = Saved("own", shape=(), batched=False) if p == 1 else like
        return (noise, like) if keeps else (noise,)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [None])

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("qkv_bias", "proj_bias", "attention_dropout", "dropout")
        c = concrete(x[-1], "dim")
        shift = self.per_axis(self.shift_size, "shift_size")
        # torch_helpers.ShiftedWindowAttention(3d): torchvision's class, state_dict and forward
        return f"{self.HELPER}({pyargs(c, self.window, shift, self.num_heads, **kw)})"
