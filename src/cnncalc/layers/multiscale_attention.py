"""multiscaleattention: the core of torchvision's MViT MultiscaleAttention, between its pooled
q, k, v and its `project` Linear: softmax(q·kᵀ/√d + relative position)·v, with the pooled q
added back (residual pooling), heads joined: inputs q (heads×(Lq + 1)×d), k and v
(heads×(Lk + 1)×d), the class token first; output (Lq + 1)×heads·d.

The qkv Linear and the Pool modules (Conv3d, LayerNorm) are module calls of their own, layers
of the spec before this one (specs/blocks/mvit.yaml). `input_size` is the block's input grid
T×H×W; the kernels and strides give the pooled grids of q and of k, v (a Conv3d padded k // 2).

rel_pos (MViT v2): `_add_rel_pos`, the decomposed relative position: rel_pos_h, rel_pos_w and
rel_pos_t tables (sized as torchvision sizes them: 2·max(H, W)/stride − 1 rows, 2·T − 1), each
query's row products with its tables' rows for each key's relative h, w and t, summed into the
token logits. MACs as FlopCounterMode counts them: the two bmm's q·kᵀ and attn·v, (Lq + 1)·
(Lk + 1)·d per head each, and the three of the relative position (einsum, einsum, matmul),
Lq·d·(Hk + Wk + Tk) per head (docs/counting.md)."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Agreement,
    Counts,
    Layer,
    Reads,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    numel,
    pyargs,
    shape_str,
)
from cnncalc.layers.fields import Sizes, ntuple
from cnncalc.sym import Dim


class MultiscaleAttention(Layer):
    TYPES = ("multiscaleattention",)
    ARITY = 3

    input_size: Sizes  # the block's input grid [T, H, W]
    kernel_q: Sizes = 1
    stride_q: Sizes = 1
    kernel_kv: Sizes = 1
    stride_kv: Sizes = 1
    rel_pos: bool = False
    residual_pool: bool = False
    residual_with_cls_embed: bool = False

    def grid(self, kernel: Sizes, stride: Sizes) -> tuple[int, ...]:
        """The T×H×W grid after a Conv3d of this kernel and stride, padded kernel // 2."""
        size = ntuple(self.input_size, 3, "input_size")
        k, s = ntuple(kernel, 3, "kernel"), ntuple(stride, 3, "stride")
        return tuple((n + 2 * (a // 2) - a) // b + 1 for n, a, b in zip(size, k, s, strict=True))

    def grids(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        return self.grid(self.kernel_q, self.stride_q), self.grid(self.kernel_kv, self.stride_kv)

    def tables(self) -> tuple[int, int]:
        """Rows of rel_pos_h (and rel_pos_w), and of rel_pos_t, as torchvision sizes them."""
        t, h, w = ntuple(self.input_size, 3, "input_size")
        sq, skv = ntuple(self.stride_q, 3, "stride_q"), ntuple(self.stride_kv, 3, "stride_kv")
        size = max(h, w)
        return 2 * max(size // sq[1], size // skv[1]) - 1, 2 * t - 1

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if len(inputs) != 3:
            raise LayerError(
                f"multiscaleattention takes q, k and v, got {len(inputs)} inputs",
                "from: [q, k, v]",
                field="from",
                code="E105",
            )
        q, k, v = inputs
        for name, s in (("q", q), ("k", k), ("v", v)):
            if len(s) != 3:
                raise LayerError(
                    f"{name} is {shape_str(s)}; multiscaleattention takes heads×tokens×d",
                    "split qkv into heads first (unflatten, transpose)",
                    field="from",
                    code="E102",
                )
        qg, kg = self.grids()
        size = list(ntuple(self.input_size, 3, "input_size"))
        if min(*qg, *kg) < 1 or (self.rel_pos and min(self.tables()) < 1):
            raise LayerError(
                f"input_size {size} pools to nothing with these kernels and "
                "strides (or sizes rel_pos tables of no rows, torchvision's size // stride)",
                "give the block's input grid T×H×W; a stride no larger than the size",
                field="input_size",
                code="E102",
            )
        want = ((q[0], numel(qg) + 1, q[2]), (q[0], numel(kg) + 1, q[2]))
        for name, s, w in (("q", q, want[0]), ("k", k, want[1]), ("v", v, want[1])):
            if tuple(s) != w:
                raise LayerError(
                    f"{name} is {shape_str(s)}; with input_size {size} "
                    f"(a class token and {'×'.join(map(str, qg if name == 'q' else kg))} "
                    f"pooled positions) it should be {shape_str(w)}",
                    "input_size is the block's input grid; the kernels and strides its pools'",
                    field="from",
                    code="E102",
                )
        return (q[1], q[0] * q[2])

    def agreements(self, inputs: Sequence[Shape]) -> list[Agreement]:
        """q, k and v: one number of heads and one d; k and v one number of tokens."""
        return [
            Agreement(((0, 0), (1, 0), (2, 0))),
            Agreement(((0, 2), (1, 2), (2, 2))),
            Agreement(((1, 1), (2, 1))),
        ]

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        if not self.rel_pos:
            return ()
        spatial, temporal = self.tables()
        d = x[2]
        return (
            Tensor("rel_pos_h", (spatial, d)),
            Tensor("rel_pos_w", (spatial, d)),
            Tensor("rel_pos_t", (temporal, d)),
        )

    def macs(self, q: Shape, k: Shape) -> tuple[Dim, Dim]:
        """The attention's two bmm's, and the relative position's three."""
        heads, d = q[0], q[2]
        attention = 2 * heads * q[1] * k[1] * d
        (qt, qh, qw), (kt, kh, kw) = self.grids()
        rel = heads * qt * qh * qw * d * (kh + kw + kt) if self.rel_pos else 0
        return attention, rel

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        q, k = inputs[0], inputs[1]
        attention, rel = self.macs(q, k)
        return held(self.state(q, y)).with_links(attention + rel, attention + rel)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return "not defined: attention mixes the tokens"

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        q, k = inputs[0], inputs[1]
        heads, d = fmt(q[0]), fmt(q[2])
        (qt, qh, qw), (kt, kh, kw) = self.grids()
        attention, rel = self.macs(q, k)
        c = self.counts(inputs, y)
        lines = [f"q grid {qt}×{qh}×{qw}, k and v grid {kt}×{kh}×{kw}, a class token first"]
        macs = f"2·{heads}·{fmt(q[1])}·{fmt(k[1])}·{d}"
        if self.rel_pos:
            spatial, temporal = self.tables()
            lines.append(
                f"params = rel_pos_h, rel_pos_w, rel_pos_t = (2·{spatial} + {temporal})·{d} "
                f"= {fmt(c.trainable)}"
            )
            macs += f" + {heads}·({qt}·{qh}·{qw})·{d}·({kh} + {kw} + {kt})"
        words = "q·kᵀ, attn·v" + (" and relative position" if self.rel_pos else "")
        return [*lines, f"MACs = {words} = {macs} = {fmt(attention + rel)}"]

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        d = concrete(x[2], "head_dim")
        size = ntuple(self.input_size, 3, "input_size")
        kw: dict[str, object] = {
            k: ntuple(getattr(self, k), 3, k)
            for k in ("kernel_q", "stride_q", "kernel_kv", "stride_kv")
            if getattr(self, k) != 1
        }
        kw |= self.torch_kwargs("rel_pos", "residual_pool", "residual_with_cls_embed")
        # torch_helpers.MultiscaleAttention: torchvision's forward from q, k, v on
        return f"MultiscaleAttention({pyargs(size, d, **kw)})"
