"""Saved-for-backward bytes of the kinds declared past the first batch (docs/memory.md),
proven as tests/torch/test_memory.py proves the rest: the generated module's unique
non-parameter storages under saved_tensors_hooks. Random graphs over every kind codegen lowers
(hypothesis), where cnncalc counts exactly or refuses by name (E130); the strides the walk
follows (layers/layout.py) against torch's own; and each new kind over its arguments, dtypes,
batch sizes and on views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.memory import saved_bytes
from cnncalc.api import analyze, load, loads
from cnncalc.errors import SpecError
from cnncalc.layers.layout import elementwise, is_channels_last, laid_out, view
from tests.codegen.strategies import networks
from tests.torch.test_memory import DTYPES, ROOT, spec, torch_saved

torch = pytest.importorskip("torch")

dtypes = st.sampled_from(sorted(DTYPES))


def check(text: str, batch: int = 2, dtype: str = "float32") -> None:
    report = analyze(loads(text))
    assert saved_bytes(report, batch, dtype).saved == torch_saved(report, batch, dtype)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(net=networks(graph=True), batch=st.integers(1, 3), dtype=dtypes)
def test_random_graphs_count_exactly_or_refuse(net: dict[str, Any], batch: int, dtype: str) -> None:
    """Any graph of any kinds (views, pieces of splits, merges, attention): cnncalc's figure
    is torch's, or cnncalc refuses the layer by name (E130)."""
    text = yaml.safe_dump(net, sort_keys=False)
    try:
        report = analyze(loads(text))
    except SpecError:
        assume(False)
    try:
        got = saved_bytes(report, batch, dtype).saved
    except SpecError as err:
        assert "E130" in str(err), str(err)
        event("refused")
        return
    event("counted")
    try:
        want = torch_saved(report, batch, dtype)
    except NotImplementedError:  # torch's CPU kernels lack some ops in bfloat16
        assume(dtype != "bfloat16")
        raise
    except ValueError:  # batch norm refuses one value per channel (batch 1) in training
        assume(batch != 1)
        raise
    assert got == want


# ---- the strides the walk follows, against torch's own -------------------------------------
@st.composite
def laid_tensors(draw: st.DrawFn) -> Any:
    """A tensor of rank 3 to 5 laid out as a permutation of a contiguous one, sometimes a
    piece of a larger one along an axis."""
    rank = draw(st.integers(3, 5))
    sizes = [draw(st.integers(1, 3)) for _ in range(rank)]
    order = draw(st.permutations(range(rank)))
    t = torch.empty([sizes[a] for a in order]).permute(*[order.index(i) for i in range(rank)])
    if draw(st.booleans()):
        a = draw(st.integers(0, rank - 1))
        big = list(t.shape)
        big[a] *= 2
        t = torch.empty(big)[
            tuple(slice(0, t.shape[a]) if i == a else slice(None) for i in range(rank))
        ]
    return t


def same(sizes: Any, a: Any, b: Any) -> bool:
    """Equal strides, but where an axis has size 1 (any stride fits it)."""
    return all(x == y or n == 1 for x, y, n in zip(a, b, sizes, strict=True))


@settings(max_examples=300, deadline=None)
@given(t=laid_tensors(), other=st.booleans(), first=st.booleans())
def test_layouts_are_torchs(t: Any, other: bool, first: bool) -> None:
    """layers/layout.py: a TensorIterator op's output (unary, and binary beside a contiguous
    operand in either order), the memory format cat suggests, and whether a view exists
    (reshape copies where not) with its strides."""
    sizes = tuple(t.shape)
    u = torch.relu(t)
    assert same(sizes, elementwise(sizes, [(sizes, t.stride())]), u.stride())
    if other:
        o = torch.empty(sizes)
        w = o + t if first else t + o
        ops = [(sizes, o.stride()), (sizes, t.stride())]
        assert same(sizes, elementwise(sizes, ops if first else ops[::-1]), w.stride())
    c = torch.cat([t, t])
    assert same(
        tuple(c.shape), laid_out(tuple(c.shape), is_channels_last(sizes, t.stride())), c.stride()
    )
    n = t.numel()
    for new in (
        [n],
        [n // sizes[0], sizes[0]],
        [sizes[0], n // sizes[0]],
        [*sizes[:-2], sizes[-2] * sizes[-1]],
    ):
        try:
            want = tuple(t.view(new).stride())
        except RuntimeError:
            want = None
        got = view(sizes, t.stride(), new)
        assert (got is None) == (want is None)
        assert got is None or want is None or same(new, got, want)


# ---- each kind declared here, over its arguments, dtypes, batches and on views -------------
IMAGE = "{channels: 4, height: 6, width: 5}"
LEAD = "{type: conv2d, out_channels: 6, kernel_size: 1}"
TOKENS = "{channels: 5, length: 8}"  # L×E: 5 tokens of 8 features
TOKEN_LEAD = "{type: linear, out_features: 8}"

KINDS = [
    "{type: subsample2d, kernel_size: 2}",
    "{type: subsample2d, kernel_size: 3, stride: 2, bias: false}",
    "{type: scaled_tanh}",
    "{type: prelu}",
    "{type: prelu, num_parameters: 6}",
    "{type: amax, dim: [2, 3], keepdim: true}",
    "{type: amax, dim: 1}",
    "{type: instancenorm2d}",
    "{type: instancenorm2d, affine: true}",
    "{type: instancenorm2d, track_running_stats: true}",
    "{type: instancenorm2d, affine: true, track_running_stats: true}",
    "{type: alphadropout, p: 0.3}",
    "{type: alphadropout, p: 0.0}",
    "{type: alphadropout, p: 1.0}",
    "{type: zeropad2d, padding: [1, 0, 2, -1]}",
    "{type: constantpad2d, padding: 1, value: 0.5}",
    "{type: roll, shifts: 1, dims: 2}",
    "{type: roll, shifts: [1, -2], dims: [2, 3]}",
    "{type: pixelshuffle, upscale_factor: 1}",
    "{type: pixelunshuffle, downscale_factor: 1}",
    "{type: localresponsenorm, size: 3}",
    "{type: localresponsenorm, size: 2}",
    "{type: reshape, shape: [6, 30]}",
    "{type: reshape, shape: [-1, 2, 3]}",
    "{type: unflatten, dim: 1, unflattened_size: [2, 3]}",
    "{type: transpose, dim0: 2, dim1: 3}",
    "{type: select, dim: 2, index: 1}",
    "{type: narrow, dim: 3, start: 1, length: 3}",
    "{type: flatten, start_dim: 2}",
    "{type: matmul, from: [a, b]}",
    "{type: relativepositionbias, window_size: [2, 3], scale: 0.5}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, padding_mode: reflect}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, padding_mode: replicate}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, padding: 1, padding_mode: circular}",
    "{type: conv2d, out_channels: 3, kernel_size: 2, padding: same}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, stride: 2, padding: tf_same}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, padding: [[1, 0], [0, 2]]}",
    "{type: conv2d, out_channels: 3, kernel_size: 3, connection_table: [[0], [0, 1], [2, 5]]}",
]


def kind_spec(layer: str, lead: bool, view: str | None = None) -> str:
    """The kind after a convolution (its input tracked) or on the network's input, or on a
    view of the convolution's output ("permute": N×C×W×H, "piece": the second half of its
    channels, kept too by a max pooling). matmul multiplies two views a and b."""
    head = [LEAD] if lead or view else []
    if view == "permute":
        head += ["{name: v, type: permute, dims: [0, 1, 3, 2]}"]
    elif view == "piece":
        head = [
            "{name: c, type: conv2d, out_channels: 12, kernel_size: 1}",
            "{name: k, type: maxpool2d, kernel_size: 1}",
            "{name: s, type: chunk, chunks: 2, from: c}",
            "{name: v, type: identity, from: s.1}",
        ]
    if "matmul" in layer:
        src = "v" if view else ("conv2d_1" if lead else "input")
        head = [
            *head,
            f"{{name: a, type: identity, from: {src}}}",
            f"{{name: b, type: transpose, dim0: 2, dim1: 3, from: {src}}}",
        ]
    if "relativepositionbias" in layer:  # logits …×heads×N×N, N = 6: a square 6×6 map
        return spec("{channels: 3, height: 6, width: 6}", *([LEAD] if lead else []), layer)
    return spec(IMAGE, *head, layer)


@settings(max_examples=120, deadline=None)
@given(
    layer=st.sampled_from(KINDS),
    lead=st.booleans(),
    view=st.sampled_from([None, None, "permute", "piece"]),
    batch=st.integers(1, 3),
    dtype=dtypes,
)
def test_each_kind(layer: str, lead: bool, view: str | None, batch: int, dtype: str) -> None:
    """Counted exactly, or refused by name where the kind does not follow the view."""
    assume(not ("localresponsenorm" in layer and dtype == "bfloat16"))  # no CPU kernel in torch
    try:
        report = analyze(loads(kind_spec(layer, lead, view)))
    except SpecError:
        assume(False)  # the kind does not fit this input
    try:
        got = saved_bytes(report, batch, dtype).saved
    except SpecError as err:
        assert "E130" in str(err) and view is not None, str(err)
        return
    assert got == torch_saved(report, batch, dtype)


@pytest.mark.parametrize("layer", KINDS)
def test_each_kind_is_declared(layer: str) -> None:
    """On a contiguous input none of them is refused (batch 2, float32)."""
    check(kind_spec(layer, True))


@settings(max_examples=40, deadline=None)
@given(
    heads=st.sampled_from([1, 2, 4, 8]),
    bias=st.booleans(),
    view=st.sampled_from(["", "{type: dropout, p: 0.0}", "{type: permute, dims: [0, 1, 2]}"]),
    batch=st.integers(1, 3),
    dtype=dtypes,
)
def test_self_attention(heads: int, bias: bool, view: str, batch: int, dtype: str) -> None:
    """nn.MultiheadAttention (ViT's): the fold a copy, or at batch 1 a view of the input;
    its logsumexp float32 under bfloat16."""
    att = (
        f"{{type: multiheadattention, embed_dim: 8, num_heads: {heads}, batch_first: true, "
        f"bias: {str(bias).lower()}}}"
    )
    layers = [TOKEN_LEAD, *([view] if view else []), att, TOKEN_LEAD]
    check(spec(TOKENS, *layers), batch, dtype)


@settings(max_examples=60, deadline=None)
@given(
    version=st.sampled_from(["", "3d", "v2"]),
    window=st.integers(1, 3),
    shift=st.integers(0, 2),
    heads=st.sampled_from([1, 2, 4]),
    p=st.sampled_from([0.0, 0.0, 0.25, 1.0]),
    size=st.integers(2, 5),
    batch=st.integers(1, 3),
    dtype=dtypes,
)
def test_window_attention(
    version: str, window: int, shift: int, heads: int, p: float, size: int, batch: int, dtype: str
) -> None:
    """Swin v1, v2 (its bias table a cpb_mlp of a buffer, as torchvision's) and Video Swin
    over padded, shifted windows, one head or several, with dropout."""
    assume(shift < window)
    axes = 3 if version == "3d" else 2
    grid = ", ".join(f"{a}: {size + i}" for i, a in enumerate(["depth", "height", "width"][-axes:]))
    win, sh = [window] * axes, [shift] * axes
    layers = [
        f"{{type: conv{axes}d, out_channels: 8, kernel_size: 1}}",
        f"{{type: permute, dims: [0, {', '.join(str(a + 2) for a in range(axes))}, 1]}}",
        "{name: x, type: layernorm, normalized_shape: 8}",
    ]
    if version == "v2":
        layers += [
            f"{{name: t, type: parameter, op: alone, buffer: true, size: [1, {2 * window - 1}, "
            f"{2 * window - 1}, 2]}}",
            "{type: linear, out_features: 16}",
            "{type: relu}",
            f"{{name: cpb, type: linear, out_features: {heads}, bias: false}}",
            f"{{type: shiftedwindowattentionv2, from: [x, cpb], window_size: {win}, "
            f"shift_size: {sh}, num_heads: {heads}, attention_dropout: {p}, dropout: {p}}}",
        ]
    else:
        layers += [
            f"{{type: shiftedwindowattention{version}, window_size: {win}, shift_size: {sh}, "
            f"num_heads: {heads}, attention_dropout: {p}, dropout: {p}}}"
        ]
    check(spec(f"{{channels: 3, {grid}}}", *layers, "{type: gelu}"), batch, dtype)


@pytest.mark.parametrize("factors", [3, 4])
@pytest.mark.parametrize("tracked", [0, 1, 2])
def test_mul_of_several_factors(factors: int, tracked: int) -> None:
    """a * b * c (* d): each product so far and the next factor keep each other, where the
    other is tracked (the untracked network input among them, or not)."""
    names = ["input" if i < tracked else f"c{i}" for i in range(factors)]
    convs = [
        f"{{name: c{i}, type: conv2d, out_channels: 4, kernel_size: 1, from: input}}"
        for i in range(factors)
    ]
    text = spec(IMAGE, *convs, f"{{name: m, type: mul, from: [{', '.join(names)}]}}")
    check(text)


def test_a_parameter_read_alone_has_one_sample() -> None:
    """Swin v2's cpb_mlp: linear layers over a buffer at batch 1 whatever the batch."""
    text = spec(
        IMAGE,
        "{name: t, type: parameter, op: alone, size: [1, 3, 3, 2]}",
        "{type: linear, out_features: 16}",
        "{type: relu}",
        "{type: linear, out_features: 2}",
        "{type: sigmoid}",
    )
    for batch in (1, 3):
        check(text, batch)


@settings(max_examples=30, deadline=None)
@given(
    heads=st.sampled_from([1, 2, 4]),
    permuted=st.booleans(),
    rel=st.booleans(),
    batch=st.integers(1, 3),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_mvit_pool_and_position(
    heads: int, permuted: bool, rel: bool, batch: int, dtype: str
) -> None:
    """MViT's Pool (headwiseconv3d: the heads folded into the batch, a view or a copy by the
    input's strides) and its positional encoding (cat and sums: nothing kept)."""
    layers = [
        "{type: conv3d, out_channels: 8, kernel_size: 1}",
        f"{{name: h, type: unflatten, dim: 1, unflattened_size: [{heads}, {8 // heads}]}}",
        *(["{type: permute, dims: [0, 1, 2, 3, 5, 4]}"] if permuted else []),
        f"{{type: headwiseconv3d, out_channels: {8 // heads}, kernel_size: 3, padding: 1, "
        f"groups: {8 // heads}, bias: false}}",
        "{type: flatten, start_dim: 1, end_dim: 2}",
        "{type: flatten, start_dim: 2}",
        "{type: transpose, dim0: 1, dim1: 2}",
        f"{{type: positionalencoding, grid: [2, 3, 3], rel_pos_embed: {str(rel).lower()}}}",
        "{type: layernorm, normalized_shape: 8}",
    ]
    text = spec("{channels: 3, depth: 2, height: 3, width: 3}", *layers)
    try:
        got = saved_bytes(analyze(loads(text)), batch, dtype).saved
    except SpecError as err:  # a convolution's result on a strided view: not followed
        assert permuted and "non-contiguous" in str(err), str(err)
        return
    assert got == torch_saved(analyze(loads(text)), batch, dtype)


MVIT_V2 = """
  - type: mvit
    heads: [1, 2, 2, 4]
    dims: [16, 16, 32, 32]
    outs: [16, 32, 32, 64]
    hw: [8, 8, 4, 4]
    t: 2
    sq: [[1, 1, 1], [1, 2, 2], [1, 1, 1], [1, 2, 2]]
    skv: [[1, 4, 4], [1, 2, 2], [1, 2, 2], [1, 1, 1]]
    classes: 5
"""
MVIT_V1 = """
  - type: mvit
    rel: false
    residual_pool: false
    proj_after: false
    heads: [1, 2, 2, 4]
    dims: [16, 32, 32, 64]
    outs: [32, 32, 64, 64]
    hw: [8, 8, 4, 4]
    t: 2
    kq: [[1, 1, 1], [3, 3, 3], [1, 1, 1], [3, 3, 3]]
    sq: [[1, 1, 1], [1, 2, 2], [1, 1, 1], [1, 2, 2]]
    skv: [[1, 4, 4], [1, 2, 2], [1, 2, 2], [1, 1, 1]]
    classes: 5
"""


@pytest.mark.parametrize("body", [MVIT_V2, MVIT_V1], ids=["v2", "v1"])
def test_small_mvit(body: str, tmp_path: Path) -> None:
    """specs/blocks/mvit.yaml's blocks, v2 (relative positions, residual pooling) and v1, at a
    small size: pools over one head (a strided view: the convolution's channels-last result)
    and several (a copy), max pooling on the skip path, multiscaleattention."""
    (tmp_path / "mvit.yaml").write_text((ROOT / "specs" / "blocks" / "mvit.yaml").read_text())
    spec_file = tmp_path / "small.yaml"
    head = "name: T\ninput: {channels: 3, depth: 4, height: 32, width: 32}\n"
    spec_file.write_text(head + "include: mvit.yaml\nlayers:" + body)
    report = analyze(load(spec_file))
    assert saved_bytes(report, 2).saved == torch_saved(report, 2, "float32")
