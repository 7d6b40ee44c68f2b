"""MViT against torchvision's own computation (torchvision.models.video.mvit, written out here
from its source: torchvision is not installed). The headwiseconv3d kind (Pool's Conv3d over the
heads folded into the batch): shape, weights and MACs against torch's Conv3d on that batch. The
multiscaleattention kind's generated module (torch_helpers.MultiscaleAttention): torchvision's
attention between its pools and its project, on random q, k, v. specs/blocks/mvit.yaml's
mvit_block, generated: torchvision's MultiscaleBlock's state and output on its weights, and
cnncalc's parameters and MACs are torch's (FlopCounterMode: addmm, bmm, convolution)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import yaml  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_agree import agree  # noqa: E402

from cnncalc.api import analyze, loads  # noqa: E402
from cnncalc.codegen import generate  # noqa: E402
from cnncalc.codegen.check import load as load_generated  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASES = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(deadline=None, max_examples=12, suppress_health_check=[HealthCheck.too_slow])


# ---- torchvision.models.video.mvit, as its source has it -------------------------------------


def prod(s: Any) -> int:
    return math.prod(s)


class TvPool(nn.Module):
    """Pool (norm after the pool, no activation)."""

    def __init__(self, pool: nn.Module, norm: nn.Module | None) -> None:
        super().__init__()
        self.pool = pool
        self.norm_act = nn.Sequential(norm) if norm is not None else None

    def forward(self, x: Any, thw: tuple[int, int, int]) -> Any:
        tensor_dim = x.dim()
        if tensor_dim == 3:
            x = x.unsqueeze(1)
        class_token, x = torch.tensor_split(x, indices=(1,), dim=2)
        x = x.transpose(2, 3)
        B, N, C = x.shape[:3]
        x = x.reshape((B * N, C, *thw)).contiguous()
        x = self.pool(x)
        T, H, W = x.shape[2:]
        x = x.reshape(B, N, C, -1).transpose(2, 3)
        x = torch.cat((class_token, x), dim=2)
        if self.norm_act is not None:
            x = self.norm_act(x)
        if tensor_dim == 3:
            x = x.squeeze(1)
        return x, (T, H, W)


def tv_interpolate(embedding: Any, d: int) -> Any:
    if embedding.shape[0] == d:
        return embedding
    return (
        nn.functional.interpolate(embedding.permute(1, 0).unsqueeze(0), size=d, mode="linear")
        .squeeze(0)
        .permute(1, 0)
    )


def tv_add_rel_pos(
    attn: Any, q: Any, q_thw: Any, k_thw: Any, rel_h: Any, rel_w: Any, rel_t: Any
) -> Any:
    q_t, q_h, q_w = q_thw
    k_t, k_h, k_w = k_thw
    dh = int(2 * max(q_h, k_h) - 1)
    dw = int(2 * max(q_w, k_w) - 1)
    dt = int(2 * max(q_t, k_t) - 1)
    q_h_ratio = max(k_h / q_h, 1.0)
    k_h_ratio = max(q_h / k_h, 1.0)
    dist_h = (
        torch.arange(q_h)[:, None] * q_h_ratio
        - (torch.arange(k_h)[None, :] + (1.0 - k_h)) * k_h_ratio
    )
    q_w_ratio = max(k_w / q_w, 1.0)
    k_w_ratio = max(q_w / k_w, 1.0)
    dist_w = (
        torch.arange(q_w)[:, None] * q_w_ratio
        - (torch.arange(k_w)[None, :] + (1.0 - k_w)) * k_w_ratio
    )
    q_t_ratio = max(k_t / q_t, 1.0)
    k_t_ratio = max(q_t / k_t, 1.0)
    dist_t = (
        torch.arange(q_t)[:, None] * q_t_ratio
        - (torch.arange(k_t)[None, :] + (1.0 - k_t)) * k_t_ratio
    )
    Rh = tv_interpolate(rel_h, dh)[dist_h.long()]
    Rw = tv_interpolate(rel_w, dw)[dist_w.long()]
    Rt = tv_interpolate(rel_t, dt)[dist_t.long()]
    B, n_head, _, dim = q.shape
    r_q = q[:, :, 1:].reshape(B, n_head, q_t, q_h, q_w, dim)
    rel_h_q = torch.einsum("bythwc,hkc->bythwk", r_q, Rh)
    rel_w_q = torch.einsum("bythwc,wkc->bythwk", r_q, Rw)
    r_q = r_q.permute(2, 0, 1, 3, 4, 5).reshape(q_t, B * n_head * q_h * q_w, dim)
    rel_q_t = torch.matmul(r_q, Rt.transpose(1, 2)).transpose(0, 1)
    rel_q_t = rel_q_t.view(B, n_head, q_h, q_w, q_t, k_t).permute(0, 1, 4, 2, 3, 5)
    rel_pos = (
        rel_h_q[:, :, :, :, :, None, :, None]
        + rel_w_q[:, :, :, :, :, None, None, :]
        + rel_q_t[:, :, :, :, :, :, None, None]
    ).reshape(B, n_head, q_t * q_h * q_w, k_t * k_h * k_w)
    attn[:, :, 1:, 1:] += rel_pos
    return attn


class TvMultiscaleAttention(nn.Module):
    """MultiscaleAttention (no dropout, LayerNorm eps 1e-6 as MViT passes it)."""

    def __init__(
        self,
        input_size: Any,
        embed_dim: int,
        output_dim: int,
        num_heads: int,
        kernel_q: Any,
        kernel_kv: Any,
        stride_q: Any,
        stride_kv: Any,
        residual_pool: bool,
        residual_with_cls_embed: bool,
        rel_pos_embed: bool,
    ) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.head_dim = output_dim // num_heads
        self.output_dim = output_dim
        self.scaler = 1.0 / math.sqrt(self.head_dim)
        self.residual_pool = residual_pool
        self.residual_with_cls_embed = residual_with_cls_embed
        self.qkv = nn.Linear(embed_dim, 3 * output_dim)
        self.project = nn.Sequential(nn.Linear(output_dim, output_dim))

        def pool(kernel: list[int], stride: list[int]) -> TvPool:
            conv = nn.Conv3d(
                self.head_dim,
                self.head_dim,
                kernel,
                stride=stride,
                padding=[k // 2 for k in kernel],
                groups=self.head_dim,
                bias=False,
            )
            return TvPool(conv, nn.LayerNorm(self.head_dim, eps=1e-6))

        self.pool_q = pool(kernel_q, stride_q) if prod(kernel_q) > 1 or prod(stride_q) > 1 else None
        self.pool_k = self.pool_v = None
        if prod(kernel_kv) > 1 or prod(stride_kv) > 1:
            self.pool_k = pool(kernel_kv, stride_kv)
            self.pool_v = pool(kernel_kv, stride_kv)
        self.rel_pos_h = self.rel_pos_w = self.rel_pos_t = None
        if rel_pos_embed:
            size = max(input_size[1:])
            q_size = size // stride_q[1]
            kv_size = size // stride_kv[1]
            spatial_dim = 2 * max(q_size, kv_size) - 1
            temporal_dim = 2 * input_size[0] - 1
            self.rel_pos_h = nn.Parameter(torch.randn(spatial_dim, self.head_dim))
            self.rel_pos_w = nn.Parameter(torch.randn(spatial_dim, self.head_dim))
            self.rel_pos_t = nn.Parameter(torch.randn(temporal_dim, self.head_dim))

    def core(self, q: Any, k: Any, v: Any, thw: Any, k_thw: Any) -> Any:
        B = q.shape[0]
        attn = torch.matmul(self.scaler * q, k.transpose(2, 3))
        if self.rel_pos_h is not None:
            attn = tv_add_rel_pos(
                attn, q, thw, k_thw, self.rel_pos_h, self.rel_pos_w, self.rel_pos_t
            )
        attn = attn.softmax(dim=-1)
        x = torch.matmul(attn, v)
        if self.residual_pool:
            if self.residual_with_cls_embed:
                x.add_(q)
            else:
                x[:, :, 1:, :] += q[:, :, 1:, :]
        return x.transpose(1, 2).reshape(B, -1, self.output_dim)

    def forward(self, x: Any, thw: Any) -> Any:
        B, N, _ = x.shape
        q, k, v = (
            self.qkv(x)
            .reshape(B, N, 3, self.num_heads, self.head_dim)
            .transpose(1, 3)
            .unbind(dim=2)
        )
        k_thw = thw
        if self.pool_k is not None:
            k, k_thw = self.pool_k(k, thw)
        if self.pool_v is not None:
            v = self.pool_v(v, thw)[0]
        if self.pool_q is not None:
            q, thw = self.pool_q(q, thw)
        return self.project(self.core(q, k, v, thw, k_thw)), thw


class TvMultiscaleBlock(nn.Module):
    """MultiscaleBlock in eval mode (StochasticDepth the identity), LayerNorm eps 1e-6."""

    def __init__(
        self,
        input_size: Any,
        dim_in: int,
        dim_out: int,
        heads: int,
        kq: Any,
        kkv: Any,
        sq: Any,
        skv: Any,
        residual_pool: bool,
        rel_pos_embed: bool,
        proj_after_attn: bool,
    ) -> None:
        super().__init__()
        self.proj_after_attn = proj_after_attn
        self.pool_skip = None
        if prod(sq) > 1:
            kernel_skip = [s + 1 if s > 1 else s for s in sq]
            self.pool_skip = TvPool(
                nn.MaxPool3d(kernel_skip, stride=sq, padding=[k // 2 for k in kernel_skip]), None
            )
        attn_dim = dim_out if proj_after_attn else dim_in
        self.norm1 = nn.LayerNorm(dim_in, eps=1e-6)
        self.norm2 = nn.LayerNorm(attn_dim, eps=1e-6)
        self.attn = TvMultiscaleAttention(
            input_size,
            dim_in,
            attn_dim,
            heads,
            kq,
            kkv,
            sq,
            skv,
            residual_pool,
            False,
            rel_pos_embed,
        )
        self.mlp = nn.Sequential(
            nn.Linear(attn_dim, 4 * attn_dim),
            nn.GELU(),
            nn.Dropout(0.0),
            nn.Linear(4 * attn_dim, dim_out),
            nn.Dropout(0.0),
        )
        self.project = nn.Linear(dim_in, dim_out) if dim_in != dim_out else None

    def forward(self, x: Any, thw: Any) -> Any:
        x_norm1 = self.norm1(x)
        x_attn, thw_new = self.attn(x_norm1, thw)
        x = x if self.project is None or not self.proj_after_attn else self.project(x_norm1)
        x_skip = x if self.pool_skip is None else self.pool_skip(x, thw)[0]
        x = x_skip + x_attn
        x_norm2 = self.norm2(x)
        x_proj = x if self.project is None or self.proj_after_attn else self.project(x_norm2)
        return x_proj + self.mlp(x_norm2), thw_new


class TvPositionalEncoding(nn.Module):
    """PositionalEncoding (random parameters, to compare values)."""

    def __init__(
        self, embed_size: int, spatial_size: Any, temporal_size: int, rel_pos_embed: bool
    ) -> None:
        super().__init__()
        self.spatial_size = spatial_size
        self.temporal_size = temporal_size
        self.class_token = nn.Parameter(torch.randn(embed_size))
        self.spatial_pos: Any = None
        self.temporal_pos: Any = None
        self.class_pos: Any = None
        if not rel_pos_embed:
            self.spatial_pos = nn.Parameter(
                torch.randn(self.spatial_size[0] * self.spatial_size[1], embed_size)
            )
            self.temporal_pos = nn.Parameter(torch.randn(self.temporal_size, embed_size))
            self.class_pos = nn.Parameter(torch.randn(embed_size))

    def forward(self, x: Any) -> Any:
        class_token = self.class_token.expand(x.size(0), -1).unsqueeze(1)
        x = torch.cat((class_token, x), dim=1)
        if self.spatial_pos is not None:
            hw_size, embed_size = self.spatial_pos.shape
            pos_embedding = torch.repeat_interleave(self.temporal_pos, hw_size, dim=0)
            pos_embedding.add_(
                self.spatial_pos.unsqueeze(0)
                .expand(self.temporal_size, -1, -1)
                .reshape(-1, embed_size)
            )
            pos_embedding = torch.cat((self.class_pos.unsqueeze(0), pos_embedding), dim=0)
            x.add_(pos_embedding.unsqueeze(0))
        return x


# ---- the positionalencoding kind ----------------------------------------------------------------


@CASES
@given(
    st.lists(st.integers(1, 4), min_size=3, max_size=3),
    st.integers(1, 5),
    st.booleans(),
    st.integers(0, 2),
)
def test_positionalencoding(grid: list[int], c: int, rel: bool, off: int) -> None:
    """Shape, parameters and MACs (none) against torchvision's PositionalEncoding; tokens that
    are not the grid's: torch refuses (the positions do not add), and so does cnncalc (with
    the class token only, torch takes any number of tokens: cnncalc refuses on purpose)."""
    t, h, w = grid
    layer = {"type": "positionalencoding", "grid": grid, "rel_pos_embed": rel}
    tokens = t * h * w + off
    agree(
        layer,
        (tokens, c),
        lambda: TvPositionalEncoding(c, (h, w), t, rel),
        stricter=rel and off > 0,
    )


@FEW
@given(st.lists(st.integers(1, 3), min_size=3, max_size=3), st.integers(1, 4), st.booleans())
def test_positionalencoding_generated_module_is_torchvisions(
    grid: list[int], c: int, rel: bool
) -> None:
    """torch_helpers.PositionalEncoding: torchvision's state_dict (the declared state's too),
    and its output on torchvision's parameters."""
    from cnncalc.codegen.torch_helpers import PositionalEncoding
    from cnncalc.layers.positional_encoding import PositionalEncoding as Layer

    t, h, w = grid
    ref = TvPositionalEncoding(c, (h, w), t, rel)
    gen = PositionalEncoding(c, (t, h, w), rel)
    want = [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in gen.state_dict().items()] == want
    model = Layer.model_validate({"type": "positionalencoding", "grid": grid, "rel_pos_embed": rel})
    x = (t * h * w, c)
    assert [(s.name, s.shape) for s in model.state(x, model.shape(x))] == want
    gen.load_state_dict(ref.state_dict())
    tokens = torch.randn(2, *x)
    torch.testing.assert_close(gen(tokens), ref(tokens.clone()))


# ---- the headwiseconv3d kind ------------------------------------------------------------------


@CASES
@given(
    st.integers(1, 3),
    st.integers(1, 3),
    st.lists(st.integers(1, 5), min_size=3, max_size=3),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([1, 2]),
    st.booleans(),
    st.booleans(),
)
def test_headwiseconv3d(
    heads: int, c: int, grid: list[int], k: int, s: int, depthwise: bool, bias: bool
) -> None:
    """Shape, weights and MACs against torch's Conv3d run over the heads folded into the batch,
    as torchvision's Pool calls it; refused where torch refuses (a kernel past the input)."""
    spec = {
        "name": "case",
        "input": {"channels": heads * c, "depth": grid[0], "height": grid[1], "width": grid[2]},
        "layers": [
            {"type": "unflatten", "dim": 1, "unflattened_size": [heads, c]},
            {
                "name": "L",
                "type": "headwiseconv3d",
                "out_channels": c,
                "kernel_size": k,
                "stride": s,
                "padding": k // 2,
                "groups": c if depthwise else 1,
                "bias": bias,
            },
        ],
    }
    conv = nn.Conv3d(c, c, k, stride=s, padding=k // 2, groups=c if depthwise else 1, bias=bias)
    x = torch.zeros(heads, c, *grid)
    try:
        with FlopCounterMode(display=False) as fc:
            y = conv(x)
    except RuntimeError:
        with pytest.raises(Exception, match="E10"):
            analyze(loads(yaml.safe_dump(spec, sort_keys=False), "case.yaml"))
        return
    report = analyze(loads(yaml.safe_dump(spec, sort_keys=False), "case.yaml"))
    s_ = report.layers[-1]
    assert tuple(s_.output_shape) == tuple(y.shape)
    assert s_.counts.params == sum(p.numel() for p in conv.parameters())
    assert s_.counts.macs == fc.get_total_flops() // 2


def test_headwiseconv3d_generated_module_folds_the_heads() -> None:
    """torch_helpers.HeadwiseConv3d: Conv3d's state_dict, and its output per head."""
    from cnncalc.codegen.torch_helpers import HeadwiseConv3d

    gen = HeadwiseConv3d(4, 4, 3, stride=(1, 2, 2), padding=1, groups=4, bias=False)
    ref = nn.Conv3d(4, 4, 3, stride=(1, 2, 2), padding=1, groups=4, bias=False)
    gen.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, 4, 2, 6, 6)
    torch.testing.assert_close(gen(x), ref(x.flatten(0, 1)).unflatten(0, (2, 3)))


# ---- the multiscaleattention kind ---------------------------------------------------------------


def pooled(n: int, k: int, s: int) -> int:
    return (n + 2 * (k // 2) - k) // s + 1


@CASES
@given(
    st.lists(st.integers(1, 4), min_size=3, max_size=3),
    st.integers(1, 3),
    st.integers(2, 4),
    st.sampled_from([1, 3]),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 3]),
    st.sampled_from([1, 2, 4]),
    st.booleans(),
    st.booleans(),
)
def test_multiscaleattention_module_is_torchvisions(
    thw: list[int],
    heads: int,
    d: int,
    kq: int,
    sq: int,
    kkv: int,
    skv: int,
    rel: bool,
    residual: bool,
) -> None:
    """The generated module on random pooled q, k, v (the class token first): torchvision's
    attention core, rel_pos tables as it sizes them (its state_dict keys), its output. d is 2
    or more: torch.einsum multiplies without a bmm over a contraction of size 1 (FlopCounterMode
    then counts none of it; MViT's heads have 96)."""
    from cnncalc.codegen.torch_helpers import MultiscaleAttention
    from cnncalc.layers.multiscale_attention import MultiscaleAttention as Layer

    size = tuple(thw)
    assume(min(size[1:]) >= max(sq, skv))  # torchvision sizes its tables size // stride
    kernel_q, stride_q = (1, kq, kq), (1, sq, sq)
    kernel_kv, stride_kv = (kkv, kkv, kkv), (1, skv, skv)
    q_thw = tuple(pooled(n, k, s) for n, k, s in zip(size, kernel_q, stride_q, strict=True))
    k_thw = tuple(pooled(n, k, s) for n, k, s in zip(size, kernel_kv, stride_kv, strict=True))
    ref = TvMultiscaleAttention(
        size,
        heads * d,
        heads * d,
        heads,
        list(kernel_q),
        list(kernel_kv),
        list(stride_q),
        list(stride_kv),
        residual,
        False,
        rel,
    )
    gen = MultiscaleAttention(size, d, kernel_q, stride_q, kernel_kv, stride_kv, rel, residual)
    theirs = {k: v for k, v in ref.state_dict().items() if k.startswith("rel_pos")}
    assert [(k, v.shape) for k, v in gen.state_dict().items()] == [
        (k, v.shape) for k, v in theirs.items()
    ]
    gen.load_state_dict(theirs)
    q = torch.randn(2, heads, prod(q_thw) + 1, d)
    k, v = (torch.randn(2, heads, prod(k_thw) + 1, d) for _ in range(2))
    with FlopCounterMode(display=False) as fc:
        want = ref.core(q, k, v, q_thw, k_thw)
    torch.testing.assert_close(gen(q, k, v), want)
    layer = Layer.model_validate(
        {
            "type": "multiscaleattention",
            "input_size": list(size),
            "kernel_q": list(kernel_q),
            "stride_q": list(stride_q),
            "kernel_kv": list(kernel_kv),
            "stride_kv": list(stride_kv),
            "rel_pos": rel,
            "residual_pool": residual,
        }
    )
    shapes = [tuple(q.shape[1:]), tuple(k.shape[1:]), tuple(v.shape[1:])]
    y = layer.infer(shapes)
    assert y == tuple(want.shape[1:])
    assert [(t.name, t.shape) for t in layer.state(shapes[0], y)] == [
        (k, tuple(v.shape)) for k, v in theirs.items()
    ]
    assert layer.counts(shapes, y).macs == fc.get_total_flops() // 4  # per sample of 2


# ---- the block ----------------------------------------------------------------------------------


BLOCKS = [
    # thw, dim_in, dim_out, heads, sq, skv, rel, residual_pool
    ((2, 4, 4), 4, 4, 1, (1, 1, 1), (1, 2, 2), True, True),
    ((2, 4, 4), 4, 8, 2, (1, 2, 2), (1, 2, 2), True, True),
    ((3, 6, 6), 4, 8, 2, (1, 2, 2), (1, 4, 4), True, True),
    ((2, 4, 4), 8, 8, 2, (1, 1, 1), (1, 1, 1), False, False),
]
# MViT v1: the projection after norm2, no relative positions, no residual pooling
BLOCKS_V1 = [
    ((2, 4, 4), 4, 8, 1, (1, 1, 1), (1, 2, 2)),
    ((2, 4, 4), 4, 8, 2, (1, 2, 2), (1, 2, 2)),
]


@pytest.mark.parametrize(
    ("thw", "dim", "out", "heads", "sq", "skv", "rel", "res", "after"),
    [(*b, True) for b in BLOCKS] + [(*b, False, False, False) for b in BLOCKS_V1],
)
def test_mvit_block_is_torchvisions(
    thw: tuple[int, int, int],
    dim: int,
    out: int,
    heads: int,
    sq: tuple[int, int, int],
    skv: tuple[int, int, int],
    rel: bool,
    res: bool,
    after: bool,
) -> None:
    """specs/blocks/mvit.yaml's mvit_block (v2: the projection after attention), generated:
    torchvision's state_dict (rel_pos_* one level down, under `attention`), its output on
    torchvision's weights, and cnncalc's parameters and MACs are torch's."""
    blocks = yaml.safe_load((ROOT / "specs" / "blocks" / "mvit.yaml").read_text())["blocks"]
    tokens = 1 + prod(thw)
    spec = {
        "name": "block",
        "input": {"channels": tokens, "length": dim},
        "blocks": blocks,
        "layers": [
            {
                "name": "layer",
                "type": "mvit_block",
                "dim": dim,
                "out": out,
                "heads": heads,
                "thw": list(thw),
                "sq": list(sq),
                "skv": list(skv),
                "p": 0.0,
                "rel": rel,
                "residual_pool": res,
                "proj_after": after,
            }
        ],
    }
    report = analyze(loads(yaml.safe_dump(spec, sort_keys=False), "block.yaml"))
    gen = generate(report, "torch")
    model = getattr(load_generated(gen), gen.class_name)().eval()
    ref = TvMultiscaleBlock(
        list(thw), dim, out, heads, [3, 3, 3], [3, 3, 3], list(sq), list(skv), res, rel, after
    ).eval()
    theirs = ref.state_dict()

    def key(own: str) -> str:
        return own.removeprefix("layer.").replace("attention.", "")

    own = model.state_dict()
    assert {key(k): tuple(v.shape) for k, v in own.items()} == {
        k: tuple(v.shape) for k, v in theirs.items()
    }
    model.load_state_dict({k: theirs[key(k)] for k in own})
    x = torch.randn(2, tokens, dim)
    with FlopCounterMode(display=False) as fc:
        want, _ = ref(x, thw)
    torch.testing.assert_close(model(x), want)
    assert report.totals.params == sum(p.numel() for p in ref.parameters())
    assert report.totals.macs == fc.get_total_flops() // 4  # FLOPs / 2, per sample of 2
