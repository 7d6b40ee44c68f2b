"""shiftedwindowattentionv2: torchvision's ShiftedWindowAttentionV2 (Swin Transformer v2) less
its cpb_mlp, on an H×W×C (channels-last) input: the windows of shiftedwindowattention (padded,
shifted, masked), with cosine attention (q and k normalized, their products scaled per head by
exp(min(logit_scale, ln 100))) and a relative position bias of 16·sigmoid of the table given as
the second input, `from: [x, table]`: (2·Wh − 1)×(2·Ww − 1)×heads.

torchvision computes that table with its cpb_mlp (Linear(2, 512), ReLU, Linear(512, heads))
on its relative_coords_table buffer: module calls of their own, so a spec writes them as layers
(a `parameter` with `op: alone` and `buffer: true`, then the cpb_mlp group) and this kind holds
the rest of the module's state: qkv, proj, logit_scale and the relative_position_index buffer.
forward zeroes the k third of the qkv bias (parameters all the same).

MACs as FlopCounterMode counts them, as for v1: qkv and proj (addmm, mm without a bias) and the
two bmm's q·kᵀ and attn·v over the padded positions; F.normalize, the scale and the sigmoid
count none (docs/counting.md)."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Agreement,
    Counts,
    Saved,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    never_equal,
    numel,
    pyargs,
    shape_str,
)
from cnncalc.layers.layout import Strides
from cnncalc.layers.swin_attention import ShiftedWindowAttention
from cnncalc.sym import floordiv


class ShiftedWindowAttentionV2(ShiftedWindowAttention):
    TYPES = ("shiftedwindowattentionv2",)
    ARITY = 2  # the data, then the bias table (cpb_mlp's output)

    def table(self) -> tuple[int, int, int]:
        """The bias table's shape: a row per relative position, a column per head."""
        wh, ww = self.window
        return 2 * wh - 1, 2 * ww - 1, self.num_heads

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if len(inputs) != 2:
            raise LayerError(
                f"{self.type} takes two inputs, got {len(inputs)}",
                "from: [x, table], the table torchvision's cpb_mlp output",
                field="from",
                code="E105",
            )
        y = self.shape(inputs[0])
        t, want = inputs[1], self.table()
        if len(t) != 3 or any(never_equal(a, b) for a, b in zip(t, want, strict=True)):
            raise LayerError(
                f"the bias table (the second input) is {shape_str(t)}; window "
                f"{list(self.window)} and {self.num_heads} heads take {shape_str(want)}",
                "from: [x, table], the table (2·Wh − 1)×(2·Ww − 1)×num_heads: torchvision's "
                "cpb_mlp output",
                field="from",
                code="E102",
            )
        return y

    def agreements(self, inputs: Sequence[Shape]) -> list[Agreement]:
        return []  # the table's sizes are the fields', checked in infer; none is the data's

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        wh, ww = self.window
        c = x[-1]
        return (
            Tensor("logit_scale", (self.num_heads, 1, 1)),
            Tensor("relative_position_index", ((wh * ww) ** 2,), "buffer", "int64"),
            Tensor("qkv.weight", (3 * c, c)),
            *((Tensor("qkv.bias", (3 * c,)),) if self.qkv_bias else ()),
            Tensor("proj.weight", (c, c)),
            *((Tensor("proj.bias", (c,)),) if self.proj_bias else ()),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        _, (ph, pw) = self.windows(x)
        wh, ww = self.window
        p, n, c = ph * pw, wh * ww, x[-1]
        attention = 2 * p * n * c  # q·kᵀ and attn·v: N keys per query, C over the heads
        macs = p * c * 3 * c + p * c * c + attention
        # the projections as linear layers (a bias per row); per logit a scale and a bias
        qkv, proj = int(self.qkv_bias), int(self.proj_bias)
        links = p * 3 * c * (c + qkv) + p * c * (c + proj) + attention + 2 * p * n * self.num_heads
        return held(self.state(x, y)).with_links(links, macs)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        c, heads = x[-1], self.num_heads
        (wh, ww), (_, (ph, pw)) = self.window, self.windows(x)
        counts = self.count(x, y)
        qb, pb = int(self.qkv_bias), int(self.proj_bias)
        return [
            "params = qkv + proj + logit_scale = "
            f"3·{fmt(c)}·({fmt(c)} + {qb}) + {fmt(c)}·({fmt(c)} + {pb}) + {heads} = "
            f"{fmt(counts.trainable)}",
            f"buffers = relative_position_index = ({wh}·{ww})·({wh}·{ww}) = {fmt(counts.buffers)}",
            f"relative position bias: 16·sigmoid of the table {shape_str(inputs[1])}, "
            "a row per relative position",
            f"windows = H×W {fmt(x[0])}×{fmt(x[1])} padded to {fmt(ph)}×{fmt(pw)}, "
            f"whole {wh}×{ww} windows",
            "MACs = qkv, proj, q·kᵀ and attn·v over the padded positions = "
            f"{fmt(ph)}·{fmt(pw)}·{fmt(c)}·(4·{fmt(c)} + 2·{wh}·{ww}) = {fmt(counts.macs)}",
        ]

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # as v1 (the windows' copy for qkv, the softmax, the heads joined for proj, the
        # dropouts) with cosine attention: qkv's whole output (F.normalize reads q and k,
        # views of it), each norm and its clamp (a value per head and token), q and k
        # normalized (kept by the matmul, copies or views of their own), the logits and
        # exp(logit_scale) (kept by their product), sigmoid of the bias table (one sample,
        # where the table is tracked);
        # v a copy, or a view of qkv's output with one head or one window in all
        used, padded = self.windows(inputs[0])
        c, heads, n = inputs[0][-1], self.num_heads, numel(used)
        windows = numel(
            floordiv(p, concrete(k, "a window")) for p, k in zip(padded, used, strict=True)
        )
        tokens = Saved("own", shape=(*padded, c))
        attn = Saved("own", shape=(windows, heads, n, n))
        norm = Saved("own", shape=(windows, heads, n))
        v = () if heads == 1 or (batch == 1 and windows == 1) else (tokens,)
        return (
            tokens,
            Saved("own", shape=(3, *padded, c)),
            *(norm,) * 4,
            tokens,
            tokens,
            Saved("own", shape=(heads, 1, 1), batched=False),
            attn,
            Saved("own", shape=(heads, n, n), batched=False, for_input=1),
            attn,
            *self.noise(self.attention_dropout, attn, keeps=True),
            *v,
            tokens,
            *self.noise(self.dropout, tokens, keeps=False),
        )

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("qkv_bias", "proj_bias", "attention_dropout", "dropout")
        c = concrete(x[-1], "dim")
        shift = self.per_axis(self.shift_size, "shift_size")
        # torch_helpers.ShiftedWindowAttention with v2: torchvision's V2 class less cpb_mlp,
        # its forward given the table
        args = pyargs(c, self.window, shift, self.num_heads, v2=True, **kw)
        return f"ShiftedWindowAttention({args})"
