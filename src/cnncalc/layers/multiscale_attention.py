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
    Saved,
    Shape,
    Tensor,
    concrete,
    fmt,
    full,
    held,
    numel,
    pyargs,
    shape_str,
)
from cnncalc.layers.fields import Sizes, ntuple
from cnncalc.layers.layout import Strides, dense, permute, view
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

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # torchvision's forward on the CPU: matmul(q · scale, kᵀ) keeps the scaled q (a
        # tensor of its own) where k is tracked and kᵀ folded (a view of k or a copy) where q
        # is; the softmax's result; matmul(attn, v) v folded. With rel_pos, per axis the
        # table's rows gathered by an int64 index (kept by the gather) and the einsum's or
        # matmul's operands: q's tokens folded with the axis first (a copy, or a view of q)
        # and the gathered rows (a tensor of their own, one sample)
        if any(st is None for st in strides):
            return None
        q, k, v = inputs
        sq, sk, sv = (st for st in strides if st is not None)
        heads, lq, d = (concrete(n, "a size") for n in q)
        lk = concrete(k[1], "a size")

        def fold(i: int, sizes: tuple[int, ...], st: Strides, shape: Shape, *track: int) -> Saved:
            flat = (sizes[0] * sizes[1], *sizes[2:])
            kept = view(sizes, st, flat) is not None
            needs = track if track else None
            return (
                Saved("input", i, for_input=needs)
                if kept
                else Saved("own", shape=shape, for_input=needs)
            )

        n = batch
        kt = fold(1, (n, heads, d, lk), permute(sk, (0, 1, 3, 2)), (heads, d, lk), 0)
        out = [Saved("own", shape=q, for_input=1), kt, Saved("own", shape=(heads, lq, lk))]
        vv = fold(2, (n, heads, lk, d), sv, v, *(() if self.rel_pos else (0, 1)))
        out.append(vv)
        if not self.rel_pos:
            return tuple(out)
        (qt, qh, qw), (kt_, kh, kw) = self.grids()
        # q's tokens as b×y×t×h×w×c (a view of q past its class token)
        grid = (n, heads, qt, qh, qw, d)
        tokens = view((n, heads, lq - 1, d), sq, grid)
        assert tokens is not None  # splitting an axis always views
        for axis, rows, keys in ((3, qh, kh), (4, qw, kw), (2, qt, kt_)):
            order = (axis, *[a for a in range(5) if a != axis], 5)
            sizes = tuple(grid[a] for a in order)
            flat = (sizes[0], numel(sizes[1:5]), d)
            copy = view(sizes, permute(tokens, order), flat) is None
            out.append(Saved("own", shape=(heads, lq - 1, d)) if copy else Saved("input", 0))
            out.append(Saved("own", shape=(rows, keys), dtype="int64", batched=False))
            out.append(Saved("own", shape=(rows, keys, d), batched=False, for_input=0))
        return tuple(out)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, x)) for x in inputs])

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        return None, dense(full(batch, y))  # the heads joined by reshape, or cat

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
