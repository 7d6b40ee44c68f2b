"""Saved-for-backward bytes (analysis/memory.py) are exactly what torch keeps: one train-mode
forward of the generated module on the CPU under saved_tensors_hooks, counting the unique
storages that are not parameters or buffers. Per declared kind over random arguments, dtypes
and inplace flags (hypothesis), on zoo specs' generated modules, and against the torchvision
reference's train_saved_bytes_batch2 for every spec whose kinds are all declared."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.memory import saved_bytes
from cnncalc.api import analyze, load, loads
from cnncalc.codegen import generate
from cnncalc.codegen.check import load as load_module
from cnncalc.errors import SpecError

torch = pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = json.loads((ROOT / "tests" / "data" / "torchvision_full.json").read_text())["models"]
DTYPES = {"float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16}


def measured(spec_text: str, batch: int, dtype: str) -> tuple[int, int]:
    """(cnncalc's figure, torch's) for a spec given as YAML text."""
    report = analyze(loads(spec_text))
    return saved_bytes(report, batch, dtype).saved, torch_saved(report, batch, dtype)


def torch_saved(report: Any, batch: int, dtype: str) -> int:
    generated = generate(report, "torch")
    torch.manual_seed(0)
    model = getattr(load_module(generated), generated.class_name)().to(DTYPES[dtype]).train()
    held = {t.untyped_storage().data_ptr() for t in [*model.parameters(), *model.buffers()]}
    seen: dict[int, int] = {}
    alive: list[Any] = []  # a branch no output reads is freed early: keep its storages' places

    def pack(t: Any) -> Any:
        s = t.untyped_storage()
        if s.data_ptr() not in held:
            seen[s.data_ptr()] = s.nbytes()
            alive.append(t)
        return t

    shape = tuple(int(d) for d in report.input_shape)
    x = torch.randn(batch, *shape, dtype=DTYPES[dtype])
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(x)
    return sum(seen.values())


def spec(input_: str, *layers: str) -> str:
    body = "\n".join(f"  - {layer}" for layer in layers)
    return f"name: T\ninput: {input_}\nlayers:\n{body}\n"


# A kind's saved tensors only matter on a tracked input: a leading layer with parameters.
IMAGE = "{channels: 3, height: 9, width: 8}"
LEAD = "{type: conv2d, out_channels: 4, kernel_size: 1}"
FLAT_LEAD = "{type: linear, out_features: 6}"
dtypes = st.sampled_from(sorted(DTYPES))
flags = st.sampled_from(["true", "false"])


@settings(max_examples=25, deadline=None)
@given(
    dims=st.integers(1, 3),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    bias=flags,
    first=st.booleans(),
    dtype=dtypes,
)
def test_conv(dims: int, k: int, stride: int, bias: str, first: bool, dtype: str) -> None:
    sizes = {1: "length: 7", 2: "height: 6, width: 7", 3: "depth: 5, height: 6, width: 7"}[dims]
    conv = (
        f"{{type: conv{dims}d, out_channels: 3, kernel_size: {k}, stride: {stride}, bias: {bias}}}"
    )
    lead = f"{{type: conv{dims}d, out_channels: 2, kernel_size: 1}}"
    layers = [conv] if first else [lead, conv]
    got, want = measured(spec(f"{{channels: 2, {sizes}}}", *layers), 2, dtype)
    assert got == want


ELEMENTWISE = [
    "{type: relu}",
    "{type: relu, inplace: true}",
    "{type: sigmoid}",
    "{type: tanh}",
    "{type: silu}",
    "{type: gelu}",
    "{type: gelu, approximate: tanh}",
    "{type: softmax, dim: 1}",
    "{type: logsoftmax, dim: -1}",
    "{type: identity}",
    "{type: dropout, p: 0.5}",
    "{type: dropout, p: 0.0}",
    "{type: dropout, p: 1.0}",
    "{type: dropout, p: 0.3, inplace: true}",
    "{type: dropout2d, p: 0.5}",
    "{type: batchnorm2d}",
    "{type: batchnorm2d, affine: false}",
    "{type: batchnorm2d, track_running_stats: false}",
    "{type: maxpool2d, kernel_size: 2}",
    "{type: maxpool2d, kernel_size: 3, stride: 2, padding: 1}",
    "{type: avgpool2d, kernel_size: 2}",
    "{type: adaptiveavgpool2d, output_size: 1}",
    "{type: adaptiveavgpool2d, output_size: 3}",
    "{type: adaptivemaxpool2d, output_size: 2}",
    "{type: flatten}",
    "{type: relu6}",
    "{type: relu6, inplace: true}",
    "{type: leakyrelu, negative_slope: 0.2}",
    "{type: leakyrelu, inplace: true}",
    "{type: elu}",
    "{type: elu, inplace: true}",
    "{type: hardswish}",
    "{type: hardsigmoid}",
    "{type: mish}",
    "{type: softplus}",
    "{type: selu}",
    "{type: layernorm, normalized_shape: 8}",
    "{type: layernorm, normalized_shape: [9, 8], elementwise_affine: false}",
    "{type: groupnorm, num_groups: 1}",
    "{type: groupnorm, num_groups: 2, affine: false}",
    "{type: stochasticdepth, p: 0.2}",
    "{type: stochasticdepth, p: 0.5, mode: batch}",
    "{type: stochasticdepth, p: 0.0}",
    "{type: stochasticdepth, p: 1.0}",
    "{type: mean, dim: [2, 3], keepdim: true}",
    "{type: sum, dim: 1}",
    "{type: upsample, scale_factor: 2}",
    "{type: upsample, scale_factor: 2, mode: bilinear, align_corners: false}",
    "{type: upsample, size: [5, 7], mode: bicubic, align_corners: true}",
    "{type: upsamplingbilinear2d, scale_factor: 2}",
    "{type: channelshuffle, groups: 2}",
    "{type: layernorm2d}",
    "{type: layernorm2d, elementwise_affine: false}",
    "{type: globalavgpool2d}",
    "{type: globalmaxpool2d}",
    "{type: parameter, size: [4, 1, 1], op: mul}",
    "{type: parameter, size: [4, 1, 1], op: mul, trainable: false}",
    "{type: parameter, size: [1, 9, 8], op: add}",
    "{type: permute, dims: [0, 1, 2, 3]}",
    "{type: convtranspose2d, out_channels: 3, kernel_size: 2, stride: 2}",
    "{type: convtranspose2d, out_channels: 2, kernel_size: 3, padding: 1, bias: false}",
]


@settings(max_examples=200, deadline=None)
@given(
    layer=st.sampled_from(ELEMENTWISE),
    then=st.sampled_from(ELEMENTWISE),
    dtype=dtypes,
    batch=st.integers(2, 3),
    lead=st.booleans(),
)
def test_kind_after_a_tracked_or_untracked_input(
    layer: str, then: str, dtype: str, batch: int, lead: bool
) -> None:
    """Each kind on a tracked input (after a convolution) or on the untracked network input
    (where a kind without parameters keeps nothing), followed by another kind: a storage both
    keep (max pooling's input is ReLU's output) is counted once."""
    layers = [LEAD, layer] if lead else [layer]
    if "flatten" not in layer:
        layers.append(then)
    try:
        report = analyze(loads(spec(IMAGE, *layers)))
    except SpecError:
        assume(False)  # a pair that does not fit (a 2×2 pooling after a global one)
    assert saved_bytes(report, batch, dtype).saved == torch_saved(report, batch, dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layer", ELEMENTWISE)
def test_each_kind_between_convolutions(layer: str, dtype: str) -> None:
    """Every declared kind on a tracked input, its output read by a convolution (which keeps
    it) where the shape allows."""
    try:
        report = analyze(loads(spec(IMAGE, LEAD, layer, LEAD)))
    except SpecError:
        report = analyze(loads(spec(IMAGE, LEAD, layer)))
    assert saved_bytes(report, 2, dtype).saved == torch_saved(report, 2, dtype)


@pytest.mark.parametrize("layer", [*ELEMENTWISE, FLAT_LEAD, "{type: flatten}"])
def test_each_kind_on_a_permuted_view(layer: str) -> None:
    """A kind on a non-contiguous view (a permute), whose source a max pooling keeps too,
    followed by a linear: counted exactly, or refused (linear and flatten copy a view, a
    storage of their own; a kind keeping the view's layout passes the question on)."""
    text = spec(
        IMAGE,
        "{name: a, type: conv2d, out_channels: 4, kernel_size: 1}",
        "{name: k, type: maxpool2d, kernel_size: 1}",
        "{name: p, type: permute, dims: [0, 2, 3, 1], from: a}",
        layer,
        "{type: linear, out_features: 3}",
    )
    try:
        report = analyze(loads(text))
    except SpecError:
        return  # the kind does not fit the 9×8×4 view
    try:
        got = saved_bytes(report, 2, "float32").saved
    except SpecError as err:
        assert "non-contiguous" in str(err)
        return
    assert got == torch_saved(report, 2, "float32")


@pytest.mark.parametrize("layer", [*ELEMENTWISE, FLAT_LEAD, "{type: flatten}"])
def test_each_kind_on_a_piece_of_a_split(layer: str) -> None:
    """As on a permuted view, on a piece of a chunk along the channels (ShuffleNet's);
    torch refuses an in-place op on a piece."""
    if "inplace: true" in layer:
        return
    text = spec(
        IMAGE,
        "{name: a, type: conv2d, out_channels: 8, kernel_size: 1}",
        "{name: s, type: chunk, chunks: 2}",
        f"{layer[:-1]}, name: t, from: s.1}}",
        "{name: c, type: concat, from: [s.0, t]}",
        "{type: globalavgpool2d}",
        "{type: flatten}",
        "{type: linear, out_features: 3}",
    )
    try:
        report = analyze(loads(text))
    except SpecError:
        return  # the kind does not fit here
    try:
        got = saved_bytes(report, 2, "float32").saved
    except SpecError as err:
        assert "non-contiguous" in str(err)
        return
    assert got == torch_saved(report, 2, "float32")


@pytest.mark.parametrize("dims", ["[0, 2, 3, 1]", "[0, 1, 3, 2]", "[0, 2, 1, 3]"])
def test_a_linear_on_a_view_keeps_its_fold(dims: str) -> None:
    """Past 2-D, linear folds the leading axes with reshape and keeps the fold: a view of a
    permuted input whose leading axes still merge ([0, 2, 1, 3]: H and C swapped, W last),
    else a copy of its own."""
    got, want = measured(
        spec(IMAGE, LEAD, f"{{type: permute, dims: {dims}}}", FLAT_LEAD), 2, "float32"
    )
    assert got == want


@settings(max_examples=20, deadline=None)
@given(
    act=st.sampled_from(["relu", "sigmoid", "tanh", "gelu", "silu"]),
    bias=flags,
    dtype=dtypes,
)
def test_linear_and_activation_field(act: str, bias: str, dtype: str) -> None:
    """linear on flat and 3-D inputs; `activation:` lowers to a module after the layer's."""
    flat = spec(
        "{features: 5}",
        FLAT_LEAD,
        f"{{type: linear, out_features: 4, bias: {bias}, activation: {act}}}",
    )
    got, want = measured(flat, 2, dtype)
    assert got == want
    image = spec(
        IMAGE,
        f"{{type: conv2d, out_channels: 4, kernel_size: 3, activation: {act}}}",
        "{type: flatten}",
        f"{{type: linear, out_features: 3, bias: {bias}}}",
    )
    got, want = measured(image, 2, dtype)
    assert got == want


@pytest.mark.parametrize("merge", ["add", "concat", "mul"])
def test_merges(merge: str) -> None:
    text = spec(
        IMAGE,
        "{name: a, type: conv2d, out_channels: 4, kernel_size: 1}",
        "{name: b, type: relu, from: a}",
        "{name: c, type: conv2d, out_channels: 4, kernel_size: 1, from: input}",
        f"{{name: m, type: {merge}, from: [b, c]}}",
        "{type: relu, inplace: true}",
    )
    got, want = measured(text, 2, "float32")
    assert got == want


@pytest.mark.parametrize(
    ("kind", "dim"),
    [
        ("chunk, chunks: 2", 1),
        ("chunk, chunks: 2", 3),
        ("split, split_size_or_sections: [1, 3]", 1),
        ("split, split_size_or_sections: [3, 5]", 3),
    ],
)
def test_pieces_are_views_of_their_input(kind: str, dim: int) -> None:
    """A convolution keeping a piece of a split keeps the whole input's storage (ShuffleNet)."""
    text = spec(
        IMAGE,
        "{name: a, type: conv2d, out_channels: 4, kernel_size: 1}",
        f"{{name: s, type: {kind}, dim: {dim}}}",
        "{name: b, type: conv2d, out_channels: 2, kernel_size: 1, from: s.1}",
        "{name: c, type: relu, from: s.0}",
        "{name: m, type: concat, from: [c, b]}" if dim == 1 else "{name: m, type: identity}",
    )
    got, want = measured(text, 2, "float32")
    assert got == want


@pytest.mark.parametrize("tracked", [True, False])
def test_mul_keeps_each_factor_for_the_other(tracked: bool) -> None:
    """Squeeze-and-excitation's scale (a broadcast factor); a factor that is the untracked
    network input is kept for the other's gradient, but the other is not kept for it."""
    text = spec(
        IMAGE,
        "{name: a, type: conv2d, out_channels: 3, kernel_size: 1}",
        "{name: g, type: adaptiveavgpool2d, output_size: 1}",
        "{name: s, type: sigmoid}",
        f"{{name: m, type: mul, from: [{'a' if tracked else 'input'}, s]}}",
    )
    got, want = measured(text, 2, "float32")
    assert got == want


def test_per_layer_charges_each_storage_to_the_first_layer_keeping_it() -> None:
    m = saved_bytes(analyze(load(ROOT / "specs" / "resnet18.yaml")), 2)
    assert m.per_layer["conv1"] == 2 * 3 * 224 * 224 * 4  # the input image
    # bn1: conv1's output and two statistics of 64 channels; relu: its output, which the max
    # pooling keeps too (charged to relu), the pooling its int64 indices only
    assert m.per_layer["bn1"] == 2 * 64 * 112 * 112 * 4 + 2 * 64 * 4
    assert m.per_layer["relu"] == 2 * 64 * 112 * 112 * 4
    assert m.per_layer["maxpool"] == 2 * 64 * 56 * 56 * 8
    assert sum(m.per_layer.values()) == m.saved


# attention with dropout takes scaled_dot_product_attention's math kernel: not declared
REFUSED = spec(
    "{channels: 5, length: 8}",
    "{name: att, type: multiheadattention, embed_dim: 8, num_heads: 2, batch_first: true, "
    "dropout: 0.1}",
)


def test_undeclared_kind_is_refused_by_name() -> None:
    with pytest.raises(SpecError, match=r"E130 layer 'att': multiheadattention does not declare"):
        saved_bytes(analyze(loads(REFUSED)))


# generated modules of the zoo, measured here (small and quick enough for two cores)
@pytest.mark.parametrize("name", ["alexnet", "resnet18", "squeezenet1_1", "lenet5", "vit/vit_b_32"])
def test_zoo_generated_module(name: str) -> None:
    report = analyze(load(ROOT / "specs" / f"{name}.yaml"))
    assert saved_bytes(report, 2).saved == torch_saved(report, 2, "float32")


def declared_specs() -> list[Path]:
    out = []
    for p in sorted((ROOT / "specs").rglob("*.yaml")):
        if p.parent.name == "blocks" or "train_saved_bytes_batch2" not in REFERENCE.get(p.stem, {}):
            continue  # no reference, or torch's pass did not fit in memory (swin3d_b)
        try:
            saved_bytes(analyze(load(p)))
        except SpecError:
            continue
        out.append(p)
    return out


DECLARED = declared_specs()


def test_the_reference_models_counted_so_far() -> None:
    # grows as kinds declare what they save; docs/memory.md lists these
    assert len(DECLARED) >= 75


# counted, their generated modules equal at small sizes (tests/torch/test_memory_kinds.py),
# but below torchvision's figure in float32 (int64 exact); the cause is not found yet
# (docs/memory.md)
GAPS = {"mvit_v1_b", "mvit_v2_s"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=pytest.mark.xfail(strict=True, reason="docs/memory.md: MViT"))
        if p.stem in GAPS
        else p
        for p in DECLARED
    ],
    ids=[p.stem for p in DECLARED],
)
def test_torchvision_reference(path: Path) -> None:
    """torchvision's own module measured the same way (tests/data/torchvision_full.json)."""
    report = analyze(load(path))
    m, want = saved_bytes(report, 2), REFERENCE[path.stem]
    assert m.saved == want["train_saved_bytes_batch2"]
    split = {f"torch.{k}": v for k, v in m.by_dtype.items()}
    assert split == want["train_saved_bytes_batch2_by_dtype"]


def test_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    run = CliRunner().invoke
    res = run(app, ["memory", str(ROOT / "specs" / "resnet18.yaml")])
    assert res.exit_code == 0, res.output
    assert res.output == "saved for backward: 44,398,080 bytes (batch 2, float32)\n"
    res = run(app, ["memory", str(ROOT / "specs" / "vgg16.yaml"), "-b", "1", "--dtype", "float64"])
    # half the batch, twice the float bytes: VGG-16's floats as at batch 2 in float32
    # (122,224,640) and half its int64 indices (24,485,888 / 2)
    assert res.output == "saved for backward: 134,467,584 bytes (batch 1, float64)\n"
    refused = tmp_path / "refused.yaml"
    refused.write_text(REFUSED)
    res = run(app, ["memory", str(refused)])
    assert res.exit_code == 1 and "E130 layer 'att'" in res.output
