"""Each layer kind declares its parameters and buffers once (`Layer.state`); the generated torch
module's state_dict, the CUDA weights layout and the counts derive from it. Here torch is the
authority: for every kind with state (random valid fields), random networks and the zoo, the
generated module's real state_dict (keys, shapes, order, dtypes; parameters or buffers;
requires_grad) is the layout the declarations and the module tree give."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.engine import Report
from cnncalc.api import analyze, load, loads
from cnncalc.codegen import generate
from cnncalc.codegen.check import load as load_generated
from cnncalc.codegen.cuda import generate as generate_cuda
from cnncalc.codegen.pytorch import module_tree
from cnncalc.errors import LayerError, SpecError
from cnncalc.layers import registry
from cnncalc.layers.base import Layer, numel
from tests.codegen.strategies import KEYS, block_networks, divisors, input_shape, networks, outcome

ROOT = Path(__file__).resolve().parents[2]
ZOO = sorted((ROOT / "specs").glob("*.yaml"))
Row = tuple[str, tuple[int, ...], str, str]  # key, shape, dtype, trainable/fixed/buffer


def examples(n: int) -> settings:
    slow = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
    return settings(max_examples=n, deadline=None, suppress_health_check=slow)


def torch_state(report: Report) -> list[Row]:
    """The generated module's state_dict as torch builds it (on the meta device)."""
    gen = generate(report, "torch")
    cls = getattr(load_generated(gen), gen.class_name)
    with torch.device("meta"):
        model = cls()
    params = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    rows: list[Row] = []
    for key, value in model.state_dict(keep_vars=True).items():
        if key in params:
            kind = "trainable" if value.requires_grad else "fixed"
        else:
            assert key in buffers, key
            kind = "buffer"
        rows.append((key, tuple(value.shape), str(value.dtype).removeprefix("torch."), kind))
    return rows


def declared_state(report: Report) -> list[Row]:
    """The same, from the layers' declarations placed by the torch backend's module tree."""
    return [
        (e.key, tuple(int(d) for d in e.tensor.shape), e.tensor.dtype, e.tensor.kind)
        for e in module_tree(report).state(report)
    ]


def prove(report: Report) -> None:
    want = torch_state(report)
    assert declared_state(report) == want
    # the counts derive from the same declarations
    t = report.totals
    for kind, total in (("trainable", t.trainable), ("fixed", t.fixed), ("buffer", t.buffers)):
        assert sum(numel(shape) for _, shape, _, k in want if k == kind) == total, kind


def prove_spec(spec: dict[str, Any]) -> None:
    prove(analyze(loads(yaml.safe_dump(spec, sort_keys=False), "random.yaml")))


# ---- one strategy per layer kind with state: its fields drawn, on a fitting input --------------
@st.composite
def conv(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    c, n = x[0], len(x) - 1
    layer: dict[str, Any] = {"type": f"conv{n}d", "kernel_size": draw(st.integers(1, 3))}
    if draw(st.booleans()):  # LeNet's connection table: TableConv's packed kernels
        rows = draw(st.lists(st.sets(st.integers(0, c - 1), min_size=1), min_size=1, max_size=5))
        layer |= {"out_channels": len(rows), "connection_table": [sorted(r) for r in rows]}
    else:
        groups = draw(st.sampled_from(divisors(c)))
        layer |= {"out_channels": groups * draw(st.integers(1, 3)), "groups": groups}
    # uneven pairs and tf_same put a padding module before the convolution (state under .1.)
    padding = draw(st.sampled_from([0, 1, "same", "tf_same", "pairs"]))
    if padding == "pairs":
        padding = [[draw(st.integers(0, 1)), draw(st.integers(0, 2))] for _ in range(n)]
    layer["padding"] = padding
    layer["padding_mode"] = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    layer["bias"] = draw(st.booleans())
    return layer


@st.composite
def conv_transpose(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    groups = draw(st.sampled_from(divisors(x[0])))
    stride = draw(st.integers(1, 2))
    return {
        "type": f"convtranspose{len(x) - 1}d",
        "out_channels": groups * draw(st.integers(1, 3)),
        "groups": groups,
        "kernel_size": draw(st.integers(1, 3)),
        "stride": stride,
        "output_padding": draw(st.integers(0, stride - 1)),
        "bias": draw(st.booleans()),
    }


@st.composite
def shiftedwindowattention3d(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    window = [draw(st.integers(1, 4)) for _ in range(3)]  # a T×H×W×C input
    return {
        "type": "shiftedwindowattention3d",
        "window_size": window,
        "shift_size": [draw(st.integers(0, k - 1)) for k in window],
        "num_heads": draw(st.sampled_from([h for h in range(1, x[-1] + 1) if x[-1] % h == 0])),
        "qkv_bias": draw(st.booleans()),
        "proj_bias": draw(st.booleans()),
    }


@st.composite
def batchnorm(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": f"batchnorm{max(len(x) - 1, 1)}d",
        "affine": draw(st.booleans()),
        "track_running_stats": draw(st.booleans()),
    }


@st.composite
def instancenorm(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": f"instancenorm{len(x) - 1}d",
        "affine": draw(st.booleans()),
        "track_running_stats": draw(st.booleans()),
    }


@st.composite
def groupnorm(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    groups = draw(st.sampled_from(divisors(x[0])))
    return {"type": "groupnorm", "num_groups": groups, "affine": draw(st.booleans())}


@st.composite
def layernorm(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": "layernorm",
        "normalized_shape": list(x[-draw(st.integers(1, len(x))) :]),
        "elementwise_affine": draw(st.booleans()),
        "bias": draw(st.booleans()),
    }


@st.composite
def linear(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {"type": "linear", "out_features": draw(st.integers(1, 9)), "bias": draw(st.booleans())}


@st.composite
def rbf(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": "rbf",
        "out_features": draw(st.integers(1, 9)),
        "trainable": draw(st.booleans()),
    }


@st.composite
def subsample(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": f"subsample{len(x) - 1}d",
        "kernel_size": draw(st.integers(1, 2)),
        "bias": draw(st.booleans()),
    }


@st.composite
def prelu(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {"type": "prelu", "num_parameters": draw(st.sampled_from([1, x[0]]))}


@st.composite
def multiheadattention(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    e = x[-1]  # self-attention over an L×E input; three inputs: test_torch_layers.py
    return {
        "type": "multiheadattention",
        "embed_dim": e,
        "num_heads": draw(st.sampled_from([h for h in range(1, e + 1) if e % h == 0])),
        "batch_first": True,
        "bias": draw(st.booleans()),
        "add_bias_kv": draw(st.booleans()),
    }


@st.composite
def layernorm2d(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {
        "type": "layernorm2d",
        "elementwise_affine": draw(st.booleans()),
        "bias": draw(st.booleans()),
    }


@st.composite
def shiftedwindowattention(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    window = [draw(st.integers(1, 4)), draw(st.integers(1, 4))]  # an H×W×C input
    return {
        "type": "shiftedwindowattention",
        "window_size": window,
        "shift_size": [draw(st.integers(0, k - 1)) for k in window],
        "num_heads": draw(st.sampled_from([h for h in range(1, x[-1] + 1) if x[-1] % h == 0])),
        "qkv_bias": draw(st.booleans()),
        "proj_bias": draw(st.booleans()),
    }


@st.composite
def shiftedwindowattentionv2(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    return {**draw(shiftedwindowattention(x)), "type": "shiftedwindowattentionv2"}


@st.composite
def parameter(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    op = draw(st.sampled_from(["mul", "add", "concat", "alone"]))
    size = [1, *x] if draw(st.booleans()) or op == "alone" else list(x)
    layer = {"type": "parameter", "op": op, "trainable": draw(st.booleans())}
    layer["buffer"] = draw(st.booleans())  # a registered buffer, not an nn.Parameter
    if op == "concat":
        return layer | {"size": [1, *x], "dim": draw(st.integers(1, len(x)))}
    return layer | {"size": size}


@st.composite
def relativepositionbias(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    wh = draw(st.sampled_from(divisors(x[-1])))  # a window of N = x[-1] tokens
    layer = {"type": "relativepositionbias", "window_size": [wh, x[-1] // wh]}
    return layer | ({"num_heads": x[-3]} if draw(st.booleans()) else {})


@st.composite
def logits(draw: st.DrawFn) -> tuple[int, ...]:
    """Attention logits heads × N × N, the input relativepositionbias takes."""
    n = draw(st.integers(1, 9))
    return (draw(st.integers(1, 4)), n, n)


@st.composite
def headwiseconv3d(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    """On x = heads·C×T×H×W, which one_layer unflattens to heads×C×T×H×W first (`_heads`)."""
    heads = draw(st.sampled_from(divisors(x[0])))
    groups = draw(st.sampled_from(divisors(x[0] // heads)))
    k = draw(st.integers(1, 3))
    return {"type": "headwiseconv3d", "out_channels": groups * draw(st.integers(1, 3)),
            "kernel_size": k, "padding": k // 2, "groups": groups,
            "bias": draw(st.booleans()), "_heads": heads}  # fmt: skip


@st.composite
def multiscaleattention(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    """Its q, k, v: `_qkv`, the shapes one_layer gives three parameters before it."""
    t, h, w = (draw(st.integers(1, 4)) for _ in range(3))
    sq, skv = (draw(st.integers(1, min(h, w, 2))) for _ in range(2))
    kq, kkv = (draw(st.sampled_from([1, 3])) for _ in range(2))
    heads, d = draw(st.integers(1, 2)), draw(st.integers(1, 4))
    lq = t * ((h + 2 * (kq // 2) - kq) // sq + 1) * ((w + 2 * (kq // 2) - kq) // sq + 1)
    lk = t * ((h + 2 * (kkv // 2) - kkv) // skv + 1) * ((w + 2 * (kkv // 2) - kkv) // skv + 1)
    return {"type": "multiscaleattention", "input_size": [t, h, w], "kernel_q": [1, kq, kq],
            "stride_q": [1, sq, sq], "kernel_kv": [1, kkv, kkv], "stride_kv": [1, skv, skv],
            "rel_pos": draw(st.booleans()), "residual_pool": draw(st.booleans()),
            "_qkv": [(heads, lq + 1, d), (heads, lk + 1, d), (heads, lk + 1, d)]}  # fmt: skip


@st.composite
def positionalencoding(draw: st.DrawFn, x: tuple[int, ...]) -> dict[str, Any]:
    """On tokens × C: a T×H×W grid of x[0] tokens."""
    t = draw(st.sampled_from(divisors(x[0])))
    h = draw(st.sampled_from(divisors(x[0] // t)))
    return {"type": "positionalencoding", "grid": [t, h, x[0] // t // h],
            "rel_pos_embed": draw(st.booleans())}  # fmt: skip


# class name -> (its fields, whether its input is flat: True, False or either (None))
KINDS = {
    "Conv": (conv, False),
    "ConvTranspose": (conv_transpose, False),
    "BatchNorm": (batchnorm, None),
    "GroupNorm": (groupnorm, False),
    "InstanceNorm": (instancenorm, False),
    "LayerNorm": (layernorm, None),
    "Linear": (linear, None),
    "RBF": (rbf, True),
    "Subsample": (subsample, False),
    "PReLU": (prelu, None),
    "MultiheadAttention": (multiheadattention, False),
    "LayerNorm2d": (layernorm2d, False),
    "ShiftedWindowAttention": (shiftedwindowattention, False),
    "ShiftedWindowAttention3d": (shiftedwindowattention3d, False),
    "RelativePositionBias": (relativepositionbias, False),
    "ShiftedWindowAttentionV2": (shiftedwindowattentionv2, False),
    "Parameter": (parameter, None),
    "HeadwiseConv": (headwiseconv3d, False),
    "MultiscaleAttention": (multiscaleattention, False),
    "PositionalEncoding": (positionalencoding, False),
}
# kinds whose input is neither a map nor flat: a strategy for it
INPUTS = {
    "RelativePositionBias": logits(),
    "HeadwiseConv": st.tuples(*(st.integers(1, n) for n in (6, 4, 5, 5))),
    "MultiscaleAttention": st.just((2, 2)),
    "PositionalEncoding": st.tuples(st.integers(1, 12), st.integers(1, 4)),
}


def test_every_kind_with_state_has_a_strategy_here() -> None:
    with_state = {c.__name__ for c, _ in registry.types().values() if c.state is not Layer.state}
    assert with_state == set(KINDS)


@st.composite
def one_layer(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    """A spec of one layer of `kind`, sometimes with an `activation:` (prelu has state too: its
    tensors then sit beside the layer's in one nn.Sequential), sometimes inside a group."""
    fields, flat = KINDS[kind]
    if flat is None:
        flat = draw(st.booleans())
    if kind in INPUTS:
        x = draw(INPUTS[kind])
    else:
        x = (draw(st.integers(1, 12)),) if flat else draw(input_shape())
    layer = {"name": "L", **draw(fields(x))}
    before: list[dict[str, Any]] = []  # Swin v2's bias table, its second input
    inputs = [x]
    if layer["type"] == "shiftedwindowattentionv2":
        (wh, ww), heads = layer["window_size"], layer["num_heads"]
        table = [1, 2 * wh - 1, 2 * ww - 1, heads]
        before = [{"name": "T", "type": "parameter", "op": "alone", "size": table,
                   "buffer": draw(st.booleans())}]  # fmt: skip
        layer["from"], inputs = ["input", "T"], [x, tuple(table[1:])]
    if layer["type"] == "headwiseconv3d":  # heads×C×T×H×W from the input
        heads = layer.pop("_heads")
        split = [heads, x[0] // heads]
        before = [{"name": "U", "type": "unflatten", "dim": 1, "unflattened_size": split}]
        layer["from"], inputs = "U", [(*split, *x[1:])]
    if layer["type"] == "multiscaleattention":  # q, k, v: three tensors of their own
        qkv = layer.pop("_qkv")
        before = [{"name": n, "type": "parameter", "op": "alone", "from": "input",
                   "size": [1, *s]} for n, s in zip("qkv", qkv, strict=True)]  # fmt: skip
        layer["from"], inputs = ["q", "k", "v"], [tuple(s) for s in qkv]
    y = outcome(layer, inputs)
    assume(y is not None)
    assert y is not None
    act = draw(st.sampled_from([None, "relu", "prelu", "prelu_c"]))
    if act is not None and layer["type"] != "prelu":
        layer["activation"] = (
            {"type": "prelu", "num_parameters": y[0]} if act == "prelu_c" else {"type": act}
        )
        assume(outcome(layer, inputs) is not None)
    layers: list[dict[str, Any]] = [*before, layer]
    if draw(st.booleans()):
        layers = [{"name": "G", "layers": [*before, layer, {"type": "identity"}]}]
    return {"name": "one", "input": dict(zip(KEYS[len(x)], x, strict=True)), "layers": layers}


@pytest.mark.parametrize("kind", sorted(KINDS))
@examples(30)
@given(data=st.data())
def test_each_kind_declares_what_torch_holds(kind: str, data: st.DataObject) -> None:
    prove_spec(data.draw(one_layer(kind)))


def test_an_activation_with_state_after_a_wrapped_layer_and_a_merge() -> None:
    """The sub-paths a wrapper puts state under: a padding module before the convolution, the
    activation after it; a merge's activation is the layer's module itself."""
    spec = {
        "name": "wrapped",
        "input": {"channels": 2, "height": 6, "width": 6},
        "layers": [
            {"name": "c", "type": "conv2d", "out_channels": 3, "kernel_size": 3,
             "padding": [[0, 1], [1, 0]], "activation": {"type": "prelu", "num_parameters": 3}},
            {"name": "d", "type": "conv2d", "out_channels": 3, "kernel_size": 1,
             "activation": "prelu"},
            {"name": "m", "type": "add", "from": ["c", "d"], "activation": "prelu"},
        ],
    }  # fmt: skip
    report = analyze(loads(yaml.safe_dump(spec, sort_keys=False), "wrapped.yaml"))
    assert [row[0] for row in declared_state(report)] == [
        *("c.1.weight", "c.1.bias", "c.2.weight"),
        *("d.0.weight", "d.0.bias", "d.1.weight"),
        "m.weight",
    ]
    prove(report)


@examples(40)
@given(spec=st.one_of(networks(graph=False), networks(graph=True), block_networks()))
def test_random_networks(spec: dict[str, Any]) -> None:
    prove_spec(spec)


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_zoo(path: Path) -> None:
    prove(analyze(load(path)))


RENAMED = """
name: n
input: {channels: 2, height: 4, width: 4}
layers:
  - {name: train, type: conv2d, out_channels: 2, kernel_size: 1, activation: prelu}
  - {name: i, type: identity}
  - {name: b, type: batchnorm2d}
"""


def test_cuda_weights_are_the_floating_point_state() -> None:
    """The CUDA weights file is the declared state_dict less its integer tensors, named as the
    torch backend names the modules (a layer named `train` is module `train_2`: nn.Module has
    a method train)."""
    report = analyze(loads(RENAMED, "renamed.yaml"))
    want = [(k, shape) for k, shape, dtype, _ in torch_state(report) if dtype == "float32"]
    assert want[0][0] == "train_2.0.weight"
    assert [(w.key, w.shape) for w in generate_cuda(report).weights] == want


def test_cuda_weights_where_torch_cannot_write_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a torch module to follow, the tensors take cnncalc's layer names, the wrappers'
    sub-paths where the layer itself lowers."""
    from cnncalc.layers.identity import Identity

    def refuse(self: Identity, x: object, y: object) -> str:
        raise LayerError("no torch lowering here", code="E120")

    monkeypatch.setattr(Identity, "torch_module", refuse)
    report = analyze(loads(RENAMED, "renamed.yaml"))
    with pytest.raises(SpecError):
        module_tree(report)
    keys = [w.key for w in generate_cuda(report).weights]
    assert keys == [
        *("train.0.weight", "train.0.bias", "train.1.weight"),
        *("b.weight", "b.bias", "b.running_mean", "b.running_var"),
    ]


HELD = """
name: held
input: {channels: 4, height: 2, width: 2}
layers:
  - {name: proj, type: conv2d, out_channels: 8, kernel_size: 1}
  - {name: layer_scale, type: parameter, size: [8, 1, 1], op: mul}
  - {type: reshape, shape: [8, 4]}
  - {type: permute, dims: [0, 2, 1]}
  - {name: class_token, type: parameter, size: [1, 1, 8], op: concat, dim: 1}
  - name: encoder
    layers:
      - {name: pos_embedding, type: parameter, size: [1, 5, 8], op: add, trainable: false}
      - {name: ln, type: layernorm, normalized_shape: 8}
"""


def test_a_parameter_layer_is_its_own_state_dict_key() -> None:
    """torch's layer_scale, class_token, encoder.pos_embedding: parameters of the module
    around them (listed before its children), not modules of their own."""
    report = analyze(loads(HELD, "held.yaml"))
    assert [row[0] for row in torch_state(report)] == [
        *("layer_scale", "class_token", "proj.weight", "proj.bias"),
        *("encoder.pos_embedding", "encoder.ln.weight", "encoder.ln.bias"),
    ]
    prove(report)


BUFFERED = """
name: buffered
input: {channels: 3, height: 3, width: 4}
layers:
  - name: attn
    layers:
      - {name: relative_coords_table, type: parameter, op: alone, buffer: true,
         size: [1, 3, 3, 2]}
      - name: cpb_mlp
        layers:
          - {type: linear, out_features: 8}
          - {type: relu}
          - {type: linear, out_features: 2, bias: false}
      - {name: attention, type: shiftedwindowattentionv2, from: [input, cpb_mlp],
         window_size: [2, 2], shift_size: [1, 1], num_heads: 2}
  - {name: offset, type: parameter, size: [4], op: add, buffer: true}
  - {name: scale, type: parameter, size: [4], op: mul}
"""


def test_a_buffer_layer_is_registered_on_the_module_around_it() -> None:
    """Swin v2's attn.relative_coords_table (and a root-level buffer): buffers of the module
    around them, after its own parameters and before its children, as torch lists them; the
    generated module runs (the table through cpb_mlp into the attention)."""
    from cnncalc.codegen.check import compare

    report = analyze(loads(BUFFERED, "buffered.yaml"))
    rows = torch_state(report)
    assert [(k, kind) for k, _, _, kind in rows] == [
        *(("scale", "trainable"), ("offset", "buffer")),
        ("attn.relative_coords_table", "buffer"),
        *((f"attn.cpb_mlp.{k}", "trainable") for k in ("0.weight", "0.bias", "2.weight")),
        ("attn.attention.logit_scale", "trainable"),
        ("attn.attention.relative_position_index", "buffer"),
        *((f"attn.attention.{k}", "trainable") for k in ("qkv.weight", "qkv.bias")),
        *((f"attn.attention.{k}", "trainable") for k in ("proj.weight", "proj.bias")),
    ]
    prove(report)
    result = compare(report, generate(report, "torch"))
    assert result.ok, result.mismatches
