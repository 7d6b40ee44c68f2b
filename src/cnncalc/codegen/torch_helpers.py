"""Modules torch lacks, copied into the generated files that need them (one class each).

codegen reads this file as text and never imports it, so cnncalc runs without torch;
tests import it. Each class stands alone: it uses only torch, nn and F. Lines stay
within 88 columns and format the same at 88 and 100, so generated files pass ruff.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ScaledTanh(nn.Module):
    """LeNet-5's squashing function f(a) = A * tanh(S * a), A = 1.7159, S = 2/3."""

    def __init__(self, scale: float = 1.7159, slope: float = 2 / 3) -> None:
        super().__init__()
        self.scale = scale
        self.slope = slope

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * torch.tanh(self.slope * x)


class Subsampling(nn.Module):
    """LeNet-5's subsampling (S2, S4): each unit sums its window, multiplies the sum by
    its map's trainable coefficient and adds its map's trainable bias."""

    def __init__(
        self,
        channels: int,
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...] | None = None,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride or kernel_size
        self.area = 1
        for k in kernel_size:
            self.area *= k
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels)) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pool = getattr(F, f"avg_pool{len(self.kernel_size)}d")
        total: torch.Tensor = pool(x, self.kernel_size, self.stride) * self.area
        per_map = (-1,) + (1,) * len(self.kernel_size)
        y = total * self.weight.view(per_map)
        return y if self.bias is None else y + self.bias.view(per_map)


class TableConv(nn.Module):
    """A convolution where output map o reads only the input maps table[o] (LeNet's C3).

    The weights are packed, one kernel per (output map, input map) pair of the table,
    so the parameter count is exactly the table's; forward scatters them into a full
    kernel. They start uniform in [-2.4/F, 2.4/F], F the unit's fan-in (the paper)."""

    def __init__(
        self,
        in_channels: int,
        table: tuple[tuple[int, ...], ...],
        kernel_size: tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | str | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.out_channels = len(table)
        self.kernel_size = kernel_size
        self.geometry = (stride, padding, dilation)
        self.rows = [o for o, maps in enumerate(table) for _ in maps]
        self.cols = [i for maps in table for i in maps]
        taps = 1
        for k in kernel_size:
            taps *= k
        bound = torch.tensor([2.4 / (len(table[o]) * taps) for o in self.rows])
        weight = torch.empty(len(self.cols), *kernel_size).uniform_(-1, 1)
        self.weight = nn.Parameter(weight * bound.view((-1,) + (1,) * len(kernel_size)))
        self.bias = nn.Parameter(torch.zeros(len(table))) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        rows = torch.tensor(self.rows, device=x.device)
        cols = torch.tensor(self.cols, device=x.device)
        full = self.weight.new_zeros(shape).index_put((rows, cols), self.weight)
        conv = getattr(F, f"conv{len(self.kernel_size)}d")
        y: torch.Tensor = conv(x, full, self.bias, *self.geometry)
        return y


class EuclideanRBF(nn.Module):
    """LeNet-5's output layer: y_i = sum_j (x_j - w_ij)^2. The paper chose the w_i by
    hand (entries -1 or +1, stylized bitmaps of the characters) and kept them fixed:
    trainable=False."""

    def __init__(self, in_features: int, out_features: int, trainable: bool = True):
        super().__init__()
        signs = torch.randint(0, 2, (out_features, in_features)) * 2.0 - 1
        self.weight = nn.Parameter(signs, requires_grad=trainable)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ((x.unsqueeze(-2) - self.weight) ** 2).sum(-1)


class SamePad(nn.Module):
    """TensorFlow's SAME padding, from the input's size at run time: the output is
    ceil(W/S), the odd row or column goes at the bottom/right."""

    def __init__(
        self,
        kernel_size: tuple[int, ...],
        stride: tuple[int, ...],
        dilation: tuple[int, ...],
        mode: str = "constant",
    ) -> None:
        super().__init__()
        self.geometry = (kernel_size, stride, dilation)
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads: list[int] = []
        axes = zip(x.shape[2:], *self.geometry, strict=True)
        for w, k, s, d in reversed(list(axes)):  # F.pad lists the last axis first
            total = max((-(-w // s) - 1) * s + d * (k - 1) + 1 - w, 0)
            pads += [total // 2, total - total // 2]
        return F.pad(x, pads, mode=self.mode)


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth: while training, drops the input (a residual
    branch) with probability p, per sample ('row') or for the whole batch ('batch')."""

    def __init__(self, p: float, mode: str = "row") -> None:
        super().__init__()
        self.p = p
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        size = [x.shape[0]] + [1] * (x.ndim - 1) if self.mode == "row" else [1] * x.ndim
        keep = x.new_empty(size).bernoulli_(1.0 - self.p)
        return x * keep / (1.0 - self.p) if self.p < 1.0 else x * keep


class Attention(nn.MultiheadAttention):
    """nn.MultiheadAttention called as a layer: on one input (query = key = value, as
    torchvision's ViT calls it) or three; its output only (need_weights=False)."""

    def forward(  # type: ignore[override]
        self,
        query: torch.Tensor,
        key: torch.Tensor | None = None,
        value: torch.Tensor | None = None,
    ) -> torch.Tensor:
        key = query if key is None else key
        value = key if value is None else value
        out: torch.Tensor = super().forward(query, key, value, need_weights=False)[0]
        return out


class LocalResponseNorm(nn.LocalResponseNorm):
    """nn.LocalResponseNorm on a contiguous tensor: F.local_response_norm views an input
    of 5 dimensions or more, which a permuted (non-contiguous) one cannot give."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return super().forward(input.contiguous())


class LayerNorm2d(nn.LayerNorm):
    """torchvision.models.convnext.LayerNorm2d: an nn.LayerNorm over the channels of an
    (N, C, H, W) tensor (channels-last and back); state_dict weight, bias of C."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ShiftedWindowAttention(nn.Module):
    """torchvision.models.swin_transformer.ShiftedWindowAttention (Swin v1) on an
    (N, H, W, C) tensor: self-attention inside windows with a relative position bias,
    the map padded to whole windows and, for shift_size > 0, rolled and masked. qkv and
    proj are applied with F.linear, as torchvision does; state_dict as torchvision's.

    v2=True: ShiftedWindowAttentionV2 less its cpb_mlp, whose output forward takes as
    `cpb` (1, 2*Wh - 1, 2*Ww - 1, heads): cosine attention scaled per head by
    logit_scale, the bias 16 * sigmoid(cpb), the k third of qkv's bias zeroed."""

    relative_position_index: torch.Tensor  # a buffer, registered in __init__
    LOG_100 = 4.605170185988092  # math.log(100.0): torchvision's clamp of logit_scale

    def __init__(
        self,
        dim: int,
        window_size: tuple[int, int],
        shift_size: tuple[int, int],
        num_heads: int,
        qkv_bias: bool = True,
        proj_bias: bool = True,
        attention_dropout: float = 0.0,
        dropout: float = 0.0,
        v2: bool = False,
    ) -> None:
        super().__init__()
        self.window_size = list(window_size)
        self.shift_size = list(shift_size)
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.v2 = v2
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        wh, ww = self.window_size
        if v2:
            scale = torch.log(10 * torch.ones((num_heads, 1, 1)))
            self.logit_scale = nn.Parameter(scale)
        else:
            table = torch.zeros((2 * wh - 1) * (2 * ww - 1), num_heads)
            self.relative_position_bias_table = nn.Parameter(table)
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        grid = torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")
        coords = torch.stack(grid).flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]  # 2, Wh*Ww, Wh*Ww
        index = (rel[0] + wh - 1) * (2 * ww - 1) + rel[1] + ww - 1
        self.register_buffer("relative_position_index", index.flatten())

    def forward(self, x: torch.Tensor, cpb: torch.Tensor | None = None) -> torch.Tensor:
        _, h, w, c = x.shape
        (wh, ww), heads = self.window_size, self.num_heads
        x = F.pad(x, (0, 0, 0, (ww - w % ww) % ww, 0, (wh - h % wh) % wh))
        b, ph, pw, _ = x.shape
        # torchvision shifts no axis that one window covers whole
        sh = 0 if wh >= ph else self.shift_size[0]
        sw = 0 if ww >= pw else self.shift_size[1]
        if sh + sw > 0:
            x = torch.roll(x, shifts=(-sh, -sw), dims=(1, 2))
        nw, n = (ph // wh) * (pw // ww), wh * ww
        x = x.view(b, ph // wh, wh, pw // ww, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b * nw, n, c)
        bias: torch.Tensor | None = self.qkv.bias
        if self.v2 and bias is not None:  # k's third zeroed (still parameters)
            zero = torch.zeros_like(bias[c : 2 * c])
            bias = torch.cat((bias[:c], zero, bias[2 * c :]))
        qkv = F.linear(x, self.qkv.weight, bias)
        qkv = qkv.reshape(b * nw, n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        rows: torch.Tensor  # the bias table: a row per relative position
        if self.v2:
            if cpb is None:
                raise ValueError("Swin v2 attention takes the cpb_mlp output, cpb")
            attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
            attn = attn * torch.clamp(self.logit_scale, max=self.LOG_100).exp()
            rows = cpb.reshape(-1, heads)
        else:
            attn = (q * (c // heads) ** -0.5).matmul(k.transpose(-2, -1))
            rows = self.relative_position_bias_table
        pos = rows[self.relative_position_index].view(n, n, -1)
        pos = pos.permute(2, 0, 1).unsqueeze(0)
        attn = attn + (16 * torch.sigmoid(pos) if self.v2 else pos)
        if sh + sw > 0:
            mask = x.new_zeros((ph, pw))
            count = 0
            for h0, h1 in ((0, -wh), (-wh, -sh), (-sh, None)):
                for w0, w1 in ((0, -ww), (-ww, -sw), (-sw, None)):
                    mask[h0:h1, w0:w1] = count
                    count += 1
            mask = mask.view(ph // wh, wh, pw // ww, ww).permute(0, 2, 1, 3)
            mask = mask.reshape(nw, n)
            mask = mask.unsqueeze(1) - mask.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, -100.0)
            attn = attn.view(b, nw, heads, n, n) + mask.unsqueeze(1).unsqueeze(0)
            attn = attn.view(-1, heads, n, n)
        attn = F.softmax(attn, dim=-1)
        # torchvision's F.dropout keeps training=True; this applies it when training
        attn = F.dropout(attn, p=self.attention_dropout, training=self.training)
        x = attn.matmul(v).transpose(1, 2).reshape(b * nw, n, c)
        x = F.linear(x, self.proj.weight, self.proj.bias)
        x = F.dropout(x, p=self.dropout, training=self.training)
        x = x.view(b, ph // wh, pw // ww, wh, ww, c).permute(0, 1, 3, 2, 4, 5)
        x = x.reshape(b, ph, pw, c)
        if sh + sw > 0:
            x = torch.roll(x, shifts=(sh, sw), dims=(1, 2))
        return x[:, :h, :w, :].contiguous()


class ShiftedWindowAttention3d(nn.Module):
    """torchvision.models.video.swin_transformer.ShiftedWindowAttention3d (Video Swin)
    on an (N, T, H, W, C) tensor: ShiftedWindowAttention over (T, H, W) windows. An
    axis no longer than the window is one window of its own size, not shifted; the
    others are padded to whole windows. state_dict as torchvision's (index N by N)."""

    relative_position_index: torch.Tensor  # a buffer, registered in __init__

    def __init__(
        self,
        dim: int,
        window_size: tuple[int, int, int],
        shift_size: tuple[int, int, int],
        num_heads: int,
        qkv_bias: bool = True,
        proj_bias: bool = True,
        attention_dropout: float = 0.0,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.window_size = list(window_size)
        self.shift_size = list(shift_size)
        self.num_heads = num_heads
        self.attention_dropout = attention_dropout
        self.dropout = dropout
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        wt, wh, ww = self.window_size
        table = torch.zeros((2 * wt - 1) * (2 * wh - 1) * (2 * ww - 1), num_heads)
        self.relative_position_bias_table = nn.Parameter(table)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        axes = (torch.arange(wt), torch.arange(wh), torch.arange(ww))
        coords = torch.stack(torch.meshgrid(*axes, indexing="ij")).flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]  # 3, N, N
        index = (rel[0] + wt - 1) * (2 * wh - 1) + rel[1] + wh - 1
        index = index * (2 * ww - 1) + rel[2] + ww - 1
        self.register_buffer("relative_position_index", index)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, t, h, w, c = x.shape
        window, shift = list(self.window_size), list(self.shift_size)
        for i, size in enumerate((t, h, w)):
            if size <= window[i]:  # torchvision: one window of the axis, no shift
                window[i], shift[i] = size, 0
        (wt, wh, ww), heads = window, self.num_heads
        n = wt * wh * ww
        index = self.relative_position_index[:n, :n].flatten()
        bias = self.relative_position_bias_table[index].view(n, n, -1)
        bias = bias.permute(2, 0, 1).unsqueeze(0)
        pads = ((ww - w % ww) % ww, (wh - h % wh) % wh, (wt - t % wt) % wt)
        x = F.pad(x, (0, 0, 0, pads[0], 0, pads[1], 0, pads[2]))
        b, pt, ph, pw, _ = x.shape
        if sum(shift) > 0:
            x = torch.roll(x, shifts=(-shift[0], -shift[1], -shift[2]), dims=(1, 2, 3))
        nt, nh, nw = pt // wt, ph // wh, pw // ww
        x = x.view(b, nt, wt, nh, wh, nw, ww, c).permute(0, 1, 3, 5, 2, 4, 6, 7)
        x = x.reshape(b * nt * nh * nw, n, c)
        qkv = F.linear(x, self.qkv.weight, self.qkv.bias)
        qkv = qkv.reshape(x.size(0), n, 3, heads, c // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * (c // heads) ** -0.5, qkv[1], qkv[2]
        attn = q.matmul(k.transpose(-2, -1)) + bias
        if sum(shift) > 0:
            mask = x.new_zeros((pt, ph, pw))
            pairs = zip(window, shift, strict=True)
            cuts = [((0, -m), (-m, -s), (-s, None)) for m, s in pairs]
            count = 0
            for t0, t1 in cuts[0]:
                for h0, h1 in cuts[1]:
                    for w0, w1 in cuts[2]:
                        mask[t0:t1, h0:h1, w0:w1] = count
                        count += 1
            mask = mask.view(nt, wt, nh, wh, nw, ww).permute(0, 2, 4, 1, 3, 5)
            mask = mask.reshape(nt * nh * nw, n)
            mask = mask.unsqueeze(1) - mask.unsqueeze(2)
            mask = mask.masked_fill(mask != 0, -100.0)
            attn = attn.view(b, nt * nh * nw, heads, n, n)
            attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, n, n)
        attn = F.softmax(attn, dim=-1)
        # torchvision's F.dropout keeps training=True; this applies it when training
        attn = F.dropout(attn, p=self.attention_dropout, training=self.training)
        x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), n, c)
        x = F.linear(x, self.proj.weight, self.proj.bias)
        x = F.dropout(x, p=self.dropout, training=self.training)
        x = x.view(b, nt, nh, nw, wt, wh, ww, c).permute(0, 1, 4, 2, 5, 3, 6, 7)
        x = x.reshape(b, pt, ph, pw, c)
        if sum(shift) > 0:
            x = torch.roll(x, shifts=(shift[0], shift[1], shift[2]), dims=(1, 2, 3))
        return x[:, :t, :h, :w, :].contiguous()


class RelativePositionBias(nn.Module):
    """torchvision.models.maxvit's relative position bias (in its
    RelativePositionalMultiHeadAttention), added to attention logits (..., heads, N, N)
    of a window of N = Wh * Ww tokens: x * scale + table[index], the table's rows
    gathered by the relative_position_index buffer (N, N) and laid out (heads, N, N)."""

    relative_position_index: torch.Tensor  # a buffer, registered in __init__

    def __init__(
        self,
        window_size: tuple[int, int],
        num_heads: int,
        scale: float = 1.0,
    ) -> None:
        super().__init__()
        wh, ww = window_size
        self.scale = scale
        table = torch.zeros((2 * wh - 1) * (2 * ww - 1), num_heads)
        self.relative_position_bias_table = nn.Parameter(table)
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        grid = torch.meshgrid(torch.arange(wh), torch.arange(ww), indexing="ij")
        coords = torch.stack(grid).flatten(1)
        rel = coords[:, :, None] - coords[:, None, :]  # 2, N, N
        index = (rel[0] + wh - 1) * (2 * ww - 1) + rel[1] + ww - 1
        self.register_buffer("relative_position_index", index)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = self.relative_position_index.shape[0]
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        bias = bias.view(n, n, -1).permute(2, 0, 1).contiguous()
        return x * self.scale + bias


class HeadwiseConv3d(nn.Conv3d):
    """nn.Conv3d applied to each head of an (N, heads, C, T, H, W) tensor, as
    torchvision's MViT Pool module calls its Conv3d: the heads folded into the batch."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        y: torch.Tensor = super().forward(input.flatten(0, 1))
        return y.view(input.shape[:2] + y.shape[1:])


class MultiscaleAttention(nn.Module):
    """torchvision.models.video.mvit.MultiscaleAttention between its pools and its
    project Linear: q, k, v (N, heads, 1 + T*H*W, d), the class token first, to
    softmax(q k^T / sqrt(d) + decomposed relative position) v, the pooled q added
    back (residual_pool), heads joined: (N, 1 + Tq*Hq*Wq, heads * d). state_dict:
    rel_pos_h, rel_pos_w, rel_pos_t (rel_pos)."""

    def __init__(
        self,
        input_size: tuple[int, int, int],
        head_dim: int,
        kernel_q: tuple[int, int, int] = (1, 1, 1),
        stride_q: tuple[int, int, int] = (1, 1, 1),
        kernel_kv: tuple[int, int, int] = (1, 1, 1),
        stride_kv: tuple[int, int, int] = (1, 1, 1),
        rel_pos: bool = False,
        residual_pool: bool = False,
        residual_with_cls_embed: bool = False,
    ) -> None:
        super().__init__()
        self.scaler = 1.0 / head_dim**0.5
        self.residual_pool = residual_pool
        self.residual_with_cls_embed = residual_with_cls_embed

        def grid(k: tuple[int, ...], s: tuple[int, ...]) -> tuple[int, int, int]:
            sizes = zip(input_size, k, s, strict=True)
            t, h, w = ((n + 2 * (a // 2) - a) // b + 1 for n, a, b in sizes)
            return t, h, w

        self.q_thw, self.k_thw = grid(kernel_q, stride_q), grid(kernel_kv, stride_kv)
        self.rel_pos = rel_pos
        if rel_pos:
            size = max(input_size[1:])
            spatial = 2 * max(size // stride_q[1], size // stride_kv[1]) - 1
            temporal = 2 * input_size[0] - 1
            self.rel_pos_h = nn.Parameter(torch.zeros(spatial, head_dim))
            self.rel_pos_w = nn.Parameter(torch.zeros(spatial, head_dim))
            self.rel_pos_t = nn.Parameter(torch.zeros(temporal, head_dim))
            for p in (self.rel_pos_h, self.rel_pos_w, self.rel_pos_t):
                nn.init.trunc_normal_(p, std=0.02)

    @staticmethod
    def table(rel: torch.Tensor, q: int, k: int) -> torch.Tensor:
        """torchvision's rows of a table for each (query, key) pair along one axis,
        the table interpolated to 2 * max(q, k) - 1 rows where it has others."""
        d = 2 * max(q, k) - 1
        if rel.shape[0] != d:
            rel = F.interpolate(rel.permute(1, 0).unsqueeze(0), size=d, mode="linear")
            rel = rel.squeeze(0).permute(1, 0)
        q_ratio, k_ratio = max(k / q, 1.0), max(q / k, 1.0)
        dist = torch.arange(q)[:, None] * q_ratio
        dist = dist - (torch.arange(k)[None, :] + (1.0 - k)) * k_ratio
        return rel[dist.long()]

    def add_rel_pos(self, attn: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
        (qt, qh, qw), (kt, kh, kw) = self.q_thw, self.k_thw
        rh = self.table(self.rel_pos_h, qh, kh)
        rw = self.table(self.rel_pos_w, qw, kw)
        rt = self.table(self.rel_pos_t, qt, kt)
        b, heads, _, d = q.shape
        r_q = q[:, :, 1:].reshape(b, heads, qt, qh, qw, d)
        rel_h = torch.einsum("bythwc,hkc->bythwk", r_q, rh)
        rel_w = torch.einsum("bythwc,wkc->bythwk", r_q, rw)
        r_q = r_q.permute(2, 0, 1, 3, 4, 5).reshape(qt, b * heads * qh * qw, d)
        rel_t = torch.matmul(r_q, rt.transpose(1, 2)).transpose(0, 1)
        rel_t = rel_t.view(b, heads, qh, qw, qt, kt).permute(0, 1, 4, 2, 3, 5)
        rel = (
            rel_h[:, :, :, :, :, None, :, None]
            + rel_w[:, :, :, :, :, None, None, :]
            + rel_t[:, :, :, :, :, :, None, None]
        ).reshape(b, heads, qt * qh * qw, kt * kh * kw)
        attn[:, :, 1:, 1:] += rel
        return attn

    def forward(self, *qkv: torch.Tensor) -> torch.Tensor:
        q, k, v = qkv
        b, heads, n, d = q.shape
        attn = torch.matmul(self.scaler * q, k.transpose(2, 3))
        if self.rel_pos:
            attn = self.add_rel_pos(attn, q)
        x = torch.matmul(attn.softmax(dim=-1), v)
        if self.residual_pool:
            if self.residual_with_cls_embed:
                x = x + q
            else:
                x = torch.cat((x[:, :, :1], x[:, :, 1:] + q[:, :, 1:]), dim=2)
        return x.transpose(1, 2).reshape(b, n, heads * d)


class PositionalEncoding(nn.Module):
    """torchvision.models.video.mvit.PositionalEncoding on (N, T*H*W, C) tokens: the
    class token first and, without rel_pos_embed, the learned position of each token
    (temporal_pos per frame + spatial_pos per position; class_pos for the token)."""

    def __init__(
        self, embed_size: int, grid: tuple[int, int, int], rel_pos_embed: bool = False
    ) -> None:
        super().__init__()
        t, h, w = grid
        self.temporal_size = t
        self.class_token = nn.Parameter(torch.zeros(embed_size))
        self.rel_pos_embed = rel_pos_embed
        if not rel_pos_embed:
            self.spatial_pos = nn.Parameter(torch.zeros(h * w, embed_size))
            self.temporal_pos = nn.Parameter(torch.zeros(t, embed_size))
            self.class_pos = nn.Parameter(torch.zeros(embed_size))
        for p in self.parameters():
            nn.init.trunc_normal_(p, std=0.02)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        class_token = self.class_token.expand(x.size(0), -1).unsqueeze(1)
        x = torch.cat((class_token, x), dim=1)
        if not self.rel_pos_embed:
            hw_size, embed_size = self.spatial_pos.shape
            pos = torch.repeat_interleave(self.temporal_pos, hw_size, dim=0)
            spatial = self.spatial_pos.unsqueeze(0).expand(self.temporal_size, -1, -1)
            pos = pos + spatial.reshape(-1, embed_size)
            pos = torch.cat((self.class_pos.unsqueeze(0), pos), dim=0).unsqueeze(0)
            x = x + pos
        return x
