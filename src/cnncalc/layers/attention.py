"""multiheadattention: torch.nn.MultiheadAttention, on one input (self-attention, query = key
= value, as torchvision's ViT calls it) or three (`from: [query, key, value]`); the layer's
output is the attention output (torch's tuple's first element, need_weights=False).

Shapes are batch-free, so an input is L×E (sequence, embedding) and the batch is torch's
dim 0: `batch_first: true` (torchvision's ViT). torch's default, batch_first=False, would read
the batch as the sequence and is refused. MACs: the four projections as linear layers plus
the two matmuls of scaled dot-product attention's math kernel, QKᵀ and the weighted sum of V,
as torch's FlopCounterMode counts them (docs/counting.md)."""

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
    fmt,
    full,
    held,
    never_equal,
    pyargs,
    shape_str,
)
from cnncalc.layers.fields import Prob, Size
from cnncalc.layers.layout import Strides, dense, view
from cnncalc.sym import Dim


class MultiheadAttention(Layer):
    TYPES = ("multiheadattention",)
    ARITY = None  # one input (self-attention) or three (query, key, value)

    embed_dim: Size
    num_heads: Size
    dropout: Prob = 0.0
    bias: bool = True
    add_bias_kv: bool = False
    add_zero_attn: bool = False
    kdim: Size | None = None
    vdim: Size | None = None
    batch_first: bool = False

    @property
    def k_dim(self) -> int:
        return self.embed_dim if self.kdim is None else self.kdim

    @property
    def v_dim(self) -> int:
        return self.embed_dim if self.vdim is None else self.vdim

    def triple(self, inputs: Sequence[Shape]) -> tuple[Shape, Shape, Shape]:
        """(query, key, value): the one input three times, or the three inputs."""
        if len(inputs) == 1:
            return inputs[0], inputs[0], inputs[0]
        if len(inputs) == 3:
            return inputs[0], inputs[1], inputs[2]
        raise LayerError(
            f"multiheadattention takes one input (self-attention) or three, got {len(inputs)}",
            "from: one layer, or [query, key, value]",
            field="from",
            code="E105",
        )

    def infer(self, inputs: Sequence[Shape]) -> Shape:
        if not self.batch_first:
            raise LayerError(
                "batch_first: false reads the batch dimension as the sequence: cnncalc's "
                "shapes exclude the batch, which is torch's dim 0",
                "set batch_first: true (torchvision's ViT does); the input is then L×E",
                field="batch_first",
                code="E102",
            )
        if self.embed_dim % self.num_heads:
            raise LayerError(
                f"embed_dim {self.embed_dim} is not divisible by num_heads {self.num_heads}",
                "torch splits embed_dim evenly across the heads; pick a divisor",
                field="num_heads",
                code="E102",
            )
        q, k, v = self.triple(inputs)
        for x, size, role, what in (
            (q, self.embed_dim, "query", "embed_dim"),
            (k, self.k_dim, "key", "kdim"),
            (v, self.v_dim, "value", "vdim"),
        ):
            if len(x) != 2:
                self.expect_rank(x, 2, "L×E (sequence, embedding)")
            if never_equal(x[-1], size):
                stated = what == "embed_dim" or getattr(self, what) is not None
                raise LayerError(
                    f"{what} is {size} but the {role} input has {fmt(x[-1])} features "
                    f"({shape_str(x)})",
                    f"set {what}: {fmt(x[-1])}, or feed it {size} features",
                    field=what if stated else "embed_dim",
                    code="E102",
                )
        if never_equal(k[0], v[0]):
            raise LayerError(
                f"key ({shape_str(k)}) and value ({shape_str(v)}) differ in sequence length",
                "key and value must have one sequence length",
                field="from",
                code="E102",
            )
        return q

    def agreements(self, inputs: Sequence[Shape]) -> list[Agreement]:
        """Key and value: one sequence length (the features are the arguments' to match)."""
        if len(inputs) != 3:
            return []
        _, k, v = inputs
        return [Agreement(((1, len(k) - 2), (2, len(v) - 2)))]

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        e = self.embed_dim
        if self.k_dim == e and self.v_dim == e:
            weights: tuple[Tensor, ...] = (Tensor("in_proj_weight", (3 * e, e)),)
        else:
            weights = (
                Tensor("q_proj_weight", (e, e)),
                Tensor("k_proj_weight", (e, self.k_dim)),
                Tensor("v_proj_weight", (e, self.v_dim)),
            )
        in_bias = (Tensor("in_proj_bias", (3 * e,)),) if self.bias else ()
        kv = (Tensor("bias_k", (1, 1, e)), Tensor("bias_v", (1, 1, e))) if self.add_bias_kv else ()
        out = (Tensor("out_proj.weight", (e, e)),)
        out_bias = (Tensor("out_proj.bias", (e,)),) if self.bias else ()
        return (*weights, *in_bias, *kv, *out, *out_bias)

    def keys(self, inputs: Sequence[Shape]) -> Dim:
        """S': the keys each query attends to (bias_k and a zero key add one each)."""
        return self.triple(inputs)[1][0] + int(self.add_bias_kv) + int(self.add_zero_attn)

    def counts(self, inputs: Sequence[Shape], y: Shape) -> Counts:
        q, k, _ = self.triple(inputs)
        e, b = self.embed_dim, int(self.bias)
        length, s = q[0], k[0]
        attention = 2 * length * self.keys(inputs) * e  # QKᵀ and attn·V, summed over the heads
        macs = length * e * e * 2 + s * e * (self.k_dim + self.v_dim) + attention
        links = length * e * (e + b) * 2 + s * e * (self.k_dim + self.v_dim + 2 * b) + attention
        return held(self.state(q, y)).with_links(links, macs)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        return "attention mixes every position"

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        q, k, _ = self.triple(inputs)
        c = self.counts(inputs, y)
        e, kd, vd = self.embed_dim, self.k_dim, self.v_dim
        params = f"{e}·({e} + {kd} + {vd}) + {e}·{e}"
        params += f" + 4·{e}" if self.bias else ""
        params += f" + 2·{e}" if self.add_bias_kv else ""
        return [
            f"params = q, k, v, out projections (+ biases) = {params} = {fmt(c.trainable)}",
            "MACs = projections + QKᵀ and attn·V over every head = "
            f"{fmt(q[0])}·{e}·{e}·2 + {fmt(k[0])}·{e}·({kd} + {vd}) + "
            f"2·{fmt(q[0])}·{fmt(self.keys(inputs))}·{e} = {fmt(c.macs)}",
        ]

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # self-attention (q is k is v) on the CPU, train mode: the batch-first input is
        # transposed to L×N×E and folded for the in-projection, which keeps the fold: a view
        # of the input where its strides allow (batch 1), else a copy; q, k, v in one
        # storage; scaled_dot_product_attention's flash kernel keeps them, its output (the
        # out-projection's input) and a logsumexp per head and query (float32 for bfloat16).
        # Dropout (the math kernel), bias_kv, zero_attn and separate key/value inputs take
        # other paths: not declared.
        plain = not (self.dropout or self.add_bias_kv or self.add_zero_attn)
        s = strides[0]
        if len(inputs) != 1 or not plain or self.kdim is not None or self.vdim is not None:
            return None
        if s is None:
            return None
        length, e = inputs[0]
        seq = Saved("own", shape=(length, e))
        n, ln, en = full(batch, inputs[0])
        fold = Saved("input") if view((ln, n, en), (s[1], s[0], s[2]), (ln * n, en)) else seq
        qkv = Saved("own", shape=(3, length, e))
        return (fold, qkv, Saved("own", shape=(self.num_heads, length), dtype="accumulate"), seq)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, inputs[0]))])

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # the out-projection's L×N×E result transposed back to N×L×E
        n, _, e = full(batch, y)
        return None, (e, n * e, 1)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("dropout", "bias", "add_bias_kv", "add_zero_attn", "kdim", "vdim")
        # torch_helpers.Attention: nn.MultiheadAttention called as a layer (its output only)
        return f"Attention({pyargs(self.embed_dim, self.num_heads, **kw, batch_first=True)})"
