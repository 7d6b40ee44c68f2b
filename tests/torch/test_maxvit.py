"""MaxViT against torchvision's own computation (torchvision.models.maxvit, torchvision 0.28,
written out here from its source: torchvision is not installed). The relativepositionbias kind:
shape, table, index buffer and MACs against torchvision's bias on random fields, refusals where
torch refuses; its generated module (torch_helpers.RelativePositionBias): torchvision's
state_dict and output. The PartitionAttentionLayer that specs/blocks/maxvit.yaml writes from
linear, chunk, unflatten, permute, matmul, softmax and relativepositionbias layers: its
generated module, on torchvision's weights, gives torchvision's output, and its MACs are
FlopCounterMode's."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import yaml  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402
from torch_agree import agree  # noqa: E402

from cnncalc.api import analyze, loads  # noqa: E402
from cnncalc.codegen import generate  # noqa: E402
from cnncalc.codegen.check import load as load_generated  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASES = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(deadline=None, max_examples=30, suppress_health_check=[HealthCheck.too_slow])


# ---- torchvision.models.maxvit, as its source has it ----------------------------------------


def tv_relative_position_index(height: int, width: int) -> Any:
    """_get_relative_position_index (meshgrid's default indexing, "ij", stated)."""
    coords = torch.stack(torch.meshgrid([torch.arange(height), torch.arange(width)], indexing="ij"))
    coords_flat = torch.flatten(coords, 1)
    relative_coords = coords_flat[:, :, None] - coords_flat[:, None, :]
    relative_coords = relative_coords.permute(1, 2, 0).contiguous()
    relative_coords[:, :, 0] += height - 1
    relative_coords[:, :, 1] += width - 1
    relative_coords[:, :, 0] *= 2 * width - 1
    return relative_coords.sum(-1)


class TvBias(nn.Module):
    """RelativePositionalMultiHeadAttention's table, index buffer and
    get_relative_positional_bias (for an h×w window, as _get_relative_position_index takes
    one), added to logits the way the kind is: x·scale + bias."""

    def __init__(self, height: int, width: int, heads: int, scale: float = 1.0) -> None:
        super().__init__()
        self.max_seq_len, self.scale = height * width, scale
        self.relative_position_bias_table = nn.Parameter(
            torch.randn((2 * height - 1) * (2 * width - 1), heads)
        )
        self.register_buffer("relative_position_index", tv_relative_position_index(height, width))

    def get_relative_positional_bias(self) -> Any:
        bias_index = self.relative_position_index.view(-1)
        n = self.max_seq_len
        relative_bias = self.relative_position_bias_table[bias_index].view(n, n, -1)
        relative_bias = relative_bias.permute(2, 0, 1).contiguous()
        return relative_bias.unsqueeze(0)

    def forward(self, x: Any) -> Any:
        return x * self.scale + self.get_relative_positional_bias()


class TvAttention(TvBias):
    """RelativePositionalMultiHeadAttention: its forward verbatim (k scaled, einsums)."""

    def __init__(self, feat_dim: int, head_dim: int, max_seq_len: int) -> None:
        size = int(math.sqrt(max_seq_len))
        super().__init__(size, size, feat_dim // head_dim)
        self.n_heads, self.head_dim = feat_dim // head_dim, head_dim
        self.to_qkv = nn.Linear(feat_dim, self.n_heads * self.head_dim * 3)
        self.scale_factor = feat_dim**-0.5
        self.merge = nn.Linear(self.head_dim * self.n_heads, feat_dim)

    def forward(self, x: Any) -> Any:
        B, G, P, D = x.shape
        H, DH = self.n_heads, self.head_dim
        qkv = self.to_qkv(x)
        q, k, v = torch.chunk(qkv, 3, dim=-1)
        q = q.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4)
        k = k.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4)
        v = v.reshape(B, G, P, H, DH).permute(0, 1, 3, 2, 4)
        k = k * self.scale_factor
        dot_prod = torch.einsum("B G H I D, B G H J D -> B G H I J", q, k)
        pos_bias = self.get_relative_positional_bias()
        dot_prod = torch.softmax(dot_prod + pos_bias, dim=-1)
        out = torch.einsum("B G H I J, B G H J D -> B G H I D", dot_prod, v)
        out = out.permute(0, 1, 3, 2, 4).reshape(B, G, P, D)
        return self.merge(out)


class TvPartitionAttentionLayer(nn.Module):
    """PartitionAttentionLayer (mlp_ratio 4, GELU, no dropout) in eval mode, where
    StochasticDepth is the identity; WindowPartition, WindowDepartition and SwapAxes inline."""

    def __init__(self, c: int, head_dim: int, partition: int, kind: str, grid: int) -> None:
        super().__init__()
        n_partitions = grid // partition
        self.p = partition if kind == "window" else n_partitions
        self.swap = kind == "grid"
        self.grid = grid
        self.attn_layer = nn.Sequential(
            nn.LayerNorm(c), TvAttention(c, head_dim, partition**2), nn.Dropout(0.0)
        )
        self.mlp_layer = nn.Sequential(
            nn.LayerNorm(c), nn.Linear(c, c * 4), nn.GELU(), nn.Linear(c * 4, c), nn.Dropout(0.0)
        )

    def forward(self, x: Any) -> Any:
        B, C, H, W = x.shape
        P = self.p
        x = x.reshape(B, C, H // P, P, W // P, P)
        x = x.permute(0, 2, 4, 3, 5, 1)
        x = x.reshape(B, (H // P) * (W // P), P * P, C)
        if self.swap:
            x = torch.swapaxes(x, -2, -3)
        x = x + self.attn_layer(x)
        x = x + self.mlp_layer(x)
        if self.swap:
            x = torch.swapaxes(x, -2, -3)
        HP = WP = self.grid // P
        x = x.reshape(B, HP, WP, P, P, C)
        x = x.permute(0, 5, 1, 3, 2, 4)
        return x.reshape(B, C, HP * P, WP * P)


# ---- the relativepositionbias kind ----------------------------------------------------------


def mostly(draw: Any, good: int, low: int, high: int) -> int:
    """`good` four times in five, else any size in [low, high] (which may be refused)."""
    return good if draw(st.integers(0, 4)) else draw(st.integers(low, high))


@st.composite
def bias_case(draw: Any) -> tuple[dict[str, Any], tuple[int, ...], tuple[int, int, int]]:
    h, w, heads = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 4))
    n = h * w
    lead = draw(st.lists(st.integers(1, 3), max_size=1))  # MaxViT's windows, or none
    shape = (*lead, mostly(draw, heads, 1, 4), mostly(draw, n, 1, 9), mostly(draw, n, 1, 9))
    layer: dict[str, Any] = {"type": "relativepositionbias"}
    layer["window_size"] = h if h == w and draw(st.booleans()) else [h, w]
    if draw(st.booleans()):
        layer["num_heads"] = heads
    else:
        heads = shape[-3]
    if draw(st.booleans()):
        layer["scale"] = draw(st.sampled_from([0.125, 0.5, 2.0]))
    return layer, shape, (h, w, heads)


@CASES
@given(bias_case())
def test_relativepositionbias(
    case: tuple[dict[str, Any], tuple[int, ...], tuple[int, int, int]],
) -> None:
    """Shape, table, index buffer and MACs (none: a gather and an add) against torchvision's
    bias on random windows and logits; where the logits do not fit the window or the heads,
    torch refuses, or broadcasts a size 1 that cnncalc refuses on purpose (a bias is per
    logit)."""
    layer, shape, (h, w, heads) = case
    n = h * w
    broadcast = any(a != b and 1 in (a, b) for a, b in zip(shape[-3:], (heads, n, n), strict=True))
    agree(
        layer,
        shape,
        lambda: TvBias(h, w, heads, layer.get("scale", 1.0)),
        stricter=broadcast,
    )


@FEW
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.sampled_from([1.0, 0.125]))
def test_relativepositionbias_generated_module_is_torchvisions(
    h: int, w: int, heads: int, scale: float
) -> None:
    """The generated module (torch_helpers.RelativePositionBias): torchvision's state_dict,
    key by key and in order (the declared state's too), its index buffer, and its output on
    torchvision's table."""
    from cnncalc.codegen.torch_helpers import RelativePositionBias
    from cnncalc.layers.relative_position_bias import RelativePositionBias as Layer

    ref = TvBias(h, w, heads, scale)
    gen = RelativePositionBias((h, w), heads, scale)
    want = [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [(k, tuple(v.shape)) for k, v in gen.state_dict().items()] == want
    n = h * w
    model = Layer.model_validate({"type": "relativepositionbias", "window_size": [h, w]})
    assert [(t.name, t.shape) for t in model.state((heads, n, n), (heads, n, n))] == want
    assert torch.equal(gen.relative_position_index, ref.relative_position_index)
    gen.load_state_dict(ref.state_dict())
    x = torch.randn(2, 3, heads, n, n)
    torch.testing.assert_close(gen(x), ref(x))


# ---- the blocks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "grid", "partition", "c", "head_dim"),
    [("window", 6, 2, 8, 4), ("grid", 6, 2, 8, 4), ("grid", 6, 3, 6, 2), ("window", 4, 4, 4, 4)],
)
def test_partition_attention_block_is_torchvisions(
    kind: str, grid: int, partition: int, c: int, head_dim: int
) -> None:
    """specs/blocks/maxvit.yaml's partition_attention, generated: torchvision's state (the bias
    table and index under `pos_bias`, the one extra level), its output on torchvision's
    weights, and cnncalc's MACs are FlopCounterMode's (to_qkv, merge and the MLP as addmm, the
    two einsums as bmm)."""
    blocks = yaml.safe_load((ROOT / "specs" / "blocks" / "maxvit.yaml").read_text())["blocks"]
    args = {"c": c, "grid": grid, "kind": kind, "sd": 0.0, "partition": partition}
    spec = {
        "name": "partition",
        "input": {"channels": c, "height": grid, "width": grid},
        "blocks": blocks,
        "layers": [{"name": "layer", "type": "partition_attention", "head_dim": head_dim, **args}],
    }
    report = analyze(loads(yaml.safe_dump(spec, sort_keys=False), "partition.yaml"))
    gen = generate(report, "torch")
    model = getattr(load_generated(gen), gen.class_name)().eval()
    ref = TvPartitionAttentionLayer(c, head_dim, partition, kind, grid).eval()
    theirs = ref.state_dict()

    def key(own: str) -> str:
        return own.removeprefix("layer.").replace("pos_bias.", "")

    own = model.state_dict()
    assert {key(k): tuple(v.shape) for k, v in own.items()} == {
        k: tuple(v.shape) for k, v in theirs.items()
    }
    index = "attn_layer.1.relative_position_index"
    assert torch.equal(own["layer.attn_layer.1.pos_bias.relative_position_index"], theirs[index])
    model.load_state_dict({k: theirs[key(k)] for k in own})
    x = torch.randn(2, c, grid, grid)
    with FlopCounterMode(display=False) as fc:
        want = ref(x)
    torch.testing.assert_close(model(x), want)
    assert report.totals.macs == fc.get_total_flops() // 4  # FLOPs / 2, per sample of 2
