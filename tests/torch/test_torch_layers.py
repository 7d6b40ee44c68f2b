"""Every layer kind against torch's own module, on random configurations (hypothesis).

Valid configurations must give torch's output shape, trainable/fixed parameter counts, buffer
count and MACs (FlopCounterMode's FLOPs / 2; 0 where torch counts no FLOPs). Configurations
torch refuses must be refused by cnncalc with a located message. LeNet-only kinds are checked
against torch modules that compute the same thing (a per-map convolution over a subset of
input maps; sum-pooling followed by a per-map scale and bias)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
import yaml  # noqa: E402
from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402
from torch_agree import REFUSALS, agree  # noqa: E402

# CNNCALC_TORCH_EXAMPLES=5000 for a deep run; the defaults keep this file near 20 s on 2 cores
_SCALE = int(os.environ.get("CNNCALC_TORCH_EXAMPLES", "0"))
CASES = settings(
    deadline=None, max_examples=_SCALE or 150, suppress_health_check=[HealthCheck.too_slow]
)
FEW = settings(
    deadline=None, max_examples=_SCALE or 60, suppress_health_check=[HealthCheck.too_slow]
)

# torch's modules per spatial rank (typed loosely: torch's stubs want ints, tuples work)
Draw = Callable[..., Any]  # hypothesis's draw function
CONV: dict[int, Any] = {1: nn.Conv1d, 2: nn.Conv2d, 3: nn.Conv3d}
CONVT: dict[int, Any] = {1: nn.ConvTranspose1d, 2: nn.ConvTranspose2d, 3: nn.ConvTranspose3d}
MAXPOOL: dict[int, Any] = {1: nn.MaxPool1d, 2: nn.MaxPool2d, 3: nn.MaxPool3d}
AVGPOOL: dict[int, Any] = {1: nn.AvgPool1d, 2: nn.AvgPool2d, 3: nn.AvgPool3d}
ADAPTIVE: dict[str, dict[int, Any]] = {
    "avg": {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d},
    "max": {1: nn.AdaptiveMaxPool1d, 2: nn.AdaptiveMaxPool2d, 3: nn.AdaptiveMaxPool3d},
}
BATCHNORM: dict[int, Any] = {1: nn.BatchNorm1d, 2: nn.BatchNorm2d, 3: nn.BatchNorm3d}
INSTANCENORM: dict[int, Any] = {1: nn.InstanceNorm1d, 2: nn.InstanceNorm2d, 3: nn.InstanceNorm3d}
ZEROPAD: dict[int, Any] = {1: nn.ZeroPad1d, 2: nn.ZeroPad2d, 3: nn.ZeroPad3d}
CONSTPAD: dict[int, Any] = {1: nn.ConstantPad1d, 2: nn.ConstantPad2d, 3: nn.ConstantPad3d}


def per_axis(draw: Draw, n: int, lo: int, hi: int) -> tuple[int | list[int], tuple[int, ...]]:
    """The spec's value (one int, or a list of n) and the per-axis tuple torch is given."""
    if draw(st.booleans()):
        v = draw(st.integers(lo, hi))
        return v, (v,) * n
    vs = [draw(st.integers(lo, hi)) for _ in range(n)]
    return vs, tuple(vs)


def mostly(draw: Draw, good: st.SearchStrategy[Any], any_: st.SearchStrategy[Any]) -> Any:
    """A value from `good` four times in five, else from `any_` (which may be refused)."""
    return draw(good) if draw(st.integers(0, 4)) else draw(any_)


def spatial(draw: Draw, n: int, lo: int = 1, hi: int = 10) -> tuple[int, ...]:
    return tuple(draw(st.integers(lo, hi if n < 3 else min(hi, 6))) for _ in range(n))


class PadThen(nn.Module):
    """Explicit (before, after) padding per axis, then a module: what torch cannot say in one."""

    def __init__(self, pads: list[tuple[int, int]], mode: str, inner: nn.Module) -> None:
        super().__init__()
        self.flat = [v for b, a in reversed(pads) for v in (b, a)]  # F.pad: last axis first
        self.mode = "constant" if mode == "zeros" else mode
        self.inner = inner

    def forward(self, x: Any) -> Any:
        return self.inner(F.pad(x, self.flat, mode=self.mode))


# ---- convolution ---------------------------------------------------------------------------


@st.composite
def conv_cases(draw: Draw) -> tuple[dict[str, Any], tuple[int, ...], Any, str]:
    n = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = mostly(draw, st.integers(1, 2).map(lambda m: m * groups), st.integers(1, 6))
    cout = mostly(draw, st.integers(1, 2).map(lambda m: m * groups), st.integers(1, 6))
    stated = mostly(draw, st.none(), st.integers(1, 6))
    k_spec, k = per_axis(draw, n, 1, 4)
    s_spec, s = per_axis(draw, n, 1, 3)
    d_spec, d = per_axis(draw, n, 1, 2)
    bias = draw(st.booleans())
    mode = draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"]))
    style = draw(st.sampled_from(["int", "list", "pairs", "same", "valid", "tf_same"]))
    size = spatial(draw, n)
    layer: dict[str, Any] = {
        "type": draw(st.sampled_from([f"conv{n}d", f"Conv{n}d"])),
        "out_channels": cout,
        "kernel_size": k_spec,
        "stride": s_spec,
        "dilation": d_spec,
        "groups": groups,
        "bias": bias,
        "padding_mode": mode,
    }
    if stated is not None:
        layer["in_channels"] = stated
    c = stated or cin

    def conv(padding: Any, padding_mode: str = mode) -> Any:
        return CONV[n](
            c,
            cout,
            k,
            stride=s,
            padding=padding,
            dilation=d,
            groups=groups,
            bias=bias,
            padding_mode=padding_mode,
        )

    if style in ("int", "list"):
        _, p = per_axis(draw, n, 0, 3)
        layer["padding"] = draw(st.integers(0, 3)) if style == "int" else [*p]
        torch_pad: Any = layer["padding"] if style == "int" else p
        make = lambda: conv(torch_pad)  # noqa: E731
    elif style in ("same", "valid"):
        layer["padding"] = style
        make = lambda: conv(style)  # noqa: E731
    else:
        if style == "pairs":
            pairs = [(draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(n)]
            layer["padding"] = [list(pr) for pr in pairs]
        else:
            # TensorFlow's SAME, as its documentation defines it: output ⌈W/S⌉, total padding
            # max((out − 1)·S + D·(K − 1) + 1 − W, 0), the odd pixel at the end
            layer["padding"] = "tf_same"
            pairs = []
            for w, si, ki, di in zip(size, s, k, d, strict=True):
                total = max((math.ceil(w / si) - 1) * si + di * (ki - 1) + 1 - w, 0)
                pairs.append((total // 2, total - total // 2))
        make = lambda: PadThen(pairs, mode, conv(0, "zeros"))  # noqa: E731
    return layer, (cin, *size), make, style


@CASES
@given(conv_cases())
def test_conv(case: tuple[dict[str, Any], tuple[int, ...], Any, str]) -> None:
    layer, shape, make, style = case
    got = agree(layer, shape, make)
    if got is not None and style == "tf_same":
        strides = (
            layer["stride"]
            if isinstance(layer["stride"], list)
            else [layer["stride"]] * (len(shape) - 1)
        )
        assert got.shape[1:] == tuple(
            math.ceil(w / s) for w, s in zip(shape[1:], strides, strict=True)
        )


@CASES
@given(st.data())
def test_conv_transpose(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin = mostly(draw, st.integers(1, 2).map(lambda m: m * groups), st.integers(1, 6))
    cout = mostly(draw, st.integers(1, 2).map(lambda m: m * groups), st.integers(1, 6))
    stated = mostly(draw, st.none(), st.integers(1, 6))
    k_spec, k = per_axis(draw, n, 1, 4)
    s_spec, s = per_axis(draw, n, 1, 3)
    p_spec, p = per_axis(draw, n, 0, 2)
    # output_padding must stay below stride or dilation: mostly 0, sometimes not
    op_spec, op = per_axis(draw, n, 0, mostly(draw, st.just(0), st.integers(1, 2)))
    d_spec, d = per_axis(draw, n, 1, 2)
    bias = draw(st.booleans())
    size = spatial(draw, n, 1, 6)
    layer: dict[str, Any] = {
        "type": draw(st.sampled_from([f"convtranspose{n}d", f"conv_transpose{n}d"])),
        "out_channels": cout,
        "kernel_size": k_spec,
        "stride": s_spec,
        "padding": p_spec,
        "output_padding": op_spec,
        "dilation": d_spec,
        "groups": groups,
        "bias": bias,
    }
    if stated is not None:
        layer["in_channels"] = stated
    agree(
        layer,
        (cin, *size),
        lambda: CONVT[n](
            stated or cin,
            cout,
            k,
            stride=s,
            padding=p,
            output_padding=op,
            groups=groups,
            bias=bias,
            dilation=d,
        ),
    )


# ---- pooling -------------------------------------------------------------------------------


@CASES
@given(st.data())
def test_pool(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["max", "avg"]))
    k_spec, k = per_axis(draw, n, 1, 4)
    p_spec, p = per_axis(draw, n, 0, mostly(draw, st.just(1), st.just(2)))
    ceil = draw(st.booleans())
    size = spatial(draw, n, 1, 9)
    layer: dict[str, Any] = {
        "type": f"{kind}pool{n}d",
        "kernel_size": k_spec,
        "padding": p_spec,
        "ceil_mode": ceil,
    }
    s: tuple[int, ...] | None = None  # torch's default: the kernel size
    if draw(st.booleans()):
        layer["stride"], s = per_axis(draw, n, 1, 3)
    if kind == "max":
        d_spec, d = per_axis(draw, n, 1, 3)
        layer["dilation"] = d_spec
        make = lambda: MAXPOOL[n](k, stride=s, padding=p, dilation=d, ceil_mode=ceil)  # noqa: E731
    else:
        cip = draw(st.booleans())
        layer["count_include_pad"] = cip
        make = lambda: AVGPOOL[n](k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip)  # noqa: E731
    agree(layer, (draw(st.integers(1, 4)), *size), make)


@FEW
@given(st.data())
def test_adaptive_and_global_pool(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    op = draw(st.sampled_from(["avg", "max"]))
    size = spatial(draw, n, 1, 9)
    shape = (draw(st.integers(1, 4)), *size)
    if draw(st.booleans()):
        agree({"type": f"global{op}pool{n}d"}, shape, lambda: ADAPTIVE[op][n](1))
        return
    if n == 1 or draw(st.booleans()):
        out: Any = draw(st.integers(1, 7))
    else:
        out = [draw(st.one_of(st.none(), st.integers(1, 7))) for _ in range(n)]
    torch_out = tuple(out) if isinstance(out, list) else out
    agree(
        {"type": f"adaptive{op}pool{n}d", "output_size": out},
        shape,
        lambda: ADAPTIVE[op][n](torch_out),
    )


# ---- dense, reshaping ----------------------------------------------------------------------


@FEW
@given(st.data())
def test_linear(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 6)) for _ in range(draw(st.integers(1, 3))))
    out = draw(st.integers(1, 8))
    bias = draw(st.booleans())
    stated = mostly(draw, st.sampled_from([None, shape[-1]]), st.integers(1, 6))
    layer: dict[str, Any] = {"type": "linear", "out_features": out, "bias": bias}
    if stated is not None:
        layer["in_features"] = stated
    agree(layer, shape, lambda: nn.Linear(stated or shape[-1], out, bias=bias))


@FEW
@given(st.data())
def test_flatten(data: st.DataObject) -> None:
    draw = data.draw
    rank = draw(st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    start = draw(st.integers(-rank - 1, rank))
    end = draw(st.integers(-rank - 1, rank))
    assume(start not in (0, -rank - 1))  # the batch dimension: cnncalc keeps it implicit
    agree(
        {"type": "flatten", "start_dim": start, "end_dim": end},
        shape,
        lambda: nn.Flatten(start, end),
    )


@FEW
@given(st.data())
def test_identity_and_dropout(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 4))))
    kind = draw(
        st.sampled_from(
            ["identity", "dropout", "dropout1d", "dropout2d", "dropout3d", "alphadropout"]
        )
    )
    if kind == "identity":
        agree({"type": "identity"}, shape, nn.Identity)
        return
    p = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0, 1.5, -0.25]))
    module = {
        "dropout": nn.Dropout,
        "dropout1d": nn.Dropout1d,
        "dropout2d": nn.Dropout2d,
        "dropout3d": nn.Dropout3d,
        "alphadropout": nn.AlphaDropout,
    }[kind]
    # torch reads a (1, C) input to dropout1d, or (1, C, H, W) to dropout3d, as one unbatched
    # sample with the batch as its channel; cnncalc wants the rank the layer is made for
    # (dropout2d reads a (1, C, L) input as channel-wise 1D dropout, with a warning)
    stricter = (kind, len(shape)) in {("dropout1d", 1), ("dropout2d", 2), ("dropout3d", 3)}
    agree({"type": kind, "p": p}, shape, lambda: module(p), stricter=stricter)


# ---- normalization -------------------------------------------------------------------------


@FEW
@given(st.data())
def test_batchnorm(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    rank = mostly(draw, st.just(n + 1), st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    stated = mostly(draw, st.none(), st.integers(1, 4))
    affine, track = draw(st.booleans()), draw(st.booleans())
    layer: dict[str, Any] = {
        "type": f"batchnorm{n}d",
        "affine": affine,
        "track_running_stats": track,
    }
    if stated is not None:
        layer["num_features"] = stated
    # with neither affine nor running statistics torch has nothing sized by num_features and
    # never checks it; cnncalc refuses a stated count the input contradicts
    stricter = stated not in (None, shape[0]) and not affine and not track
    # batch 2: training-mode batch norm refuses a single value per channel
    agree(
        layer,
        shape,
        lambda: BATCHNORM[n](stated or shape[0], affine=affine, track_running_stats=track),
        batch=2,
        stricter=stricter,
    )


@FEW
@given(st.data())
def test_instancenorm(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    rank = mostly(draw, st.just(n + 1), st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(rank))
    stated = mostly(draw, st.none(), st.integers(1, 4))
    affine, track = draw(st.booleans()), draw(st.booleans())
    layer: dict[str, Any] = {"type": f"instancenorm{n}d"}
    layer |= {"affine": True} if affine else {}  # torch's defaults: False, False
    layer |= {"track_running_stats": True} if track else {}
    if stated is not None:
        layer["num_features"] = stated
    # torch reads a rank it was not made for as one unbatched sample (the batch a channel);
    # with neither affine nor running statistics it only warns about num_features
    stricter = rank != n + 1 or (stated not in (None, shape[0]) and not affine and not track)
    # eval(): inference, what cnncalc describes (with running statistics torch then uses them,
    # and takes a single position, which it refuses to take statistics over)
    agree(
        layer,
        shape,
        lambda: INSTANCENORM[n](
            stated or shape[0], affine=affine, track_running_stats=track
        ).eval(),
        stricter=stricter,
    )


@FEW
@given(st.data())
def test_layernorm(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 4))))
    ns = list(shape[len(shape) - draw(st.integers(1, len(shape))) :])
    if draw(st.integers(0, 4)) == 0:
        ns[draw(st.integers(0, len(ns) - 1))] += 1  # a mismatch torch refuses
    affine, bias = draw(st.booleans()), draw(st.booleans())
    spec_ns: Any = ns[0] if len(ns) == 1 and draw(st.booleans()) else ns
    agree(
        {
            "type": "layernorm",
            "normalized_shape": spec_ns,
            "elementwise_affine": affine,
            "bias": bias,
        },
        shape,
        lambda: nn.LayerNorm(ns, elementwise_affine=affine, bias=bias),
    )


@FEW
@given(st.data())
def test_localresponsenorm(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    size = draw(st.integers(1, 7))
    alpha, beta, k = (draw(st.sampled_from(v)) for v in ([1e-4, 0.5], [0.75, 1.0], [1.0, 2.0]))
    agree(
        {"type": "localresponsenorm", "size": size, "alpha": alpha, "beta": beta, "k": k},
        shape,
        lambda: nn.LocalResponseNorm(size, alpha=alpha, beta=beta, k=k),
    )


class ChannelsLast(nn.Module):
    """torchvision's LayerNorm2d from torch's own parts: a module applied channels-last."""

    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, x: Any) -> Any:
        return self.inner(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


@FEW
@given(st.data())
def test_layernorm2d(data: st.DataObject) -> None:
    draw = data.draw
    rank = mostly(draw, st.just(3), st.integers(1, 4))
    shape = tuple(draw(st.integers(1, 5)) for _ in range(rank))
    stated = mostly(draw, st.none(), st.integers(1, 5))
    affine, bias = draw(st.booleans()), draw(st.booleans())
    eps = draw(st.sampled_from([1e-5, 1e-6]))
    layer: dict[str, Any] = {"type": "layernorm2d", "eps": eps}
    layer |= {"elementwise_affine": False} if not affine else {}
    layer |= {"bias": False} if not bias else {}
    if stated is not None:
        layer["normalized_shape"] = stated
    c = stated or shape[0]
    agree(
        layer,
        shape,
        lambda: ChannelsLast(nn.LayerNorm(c, eps=eps, elementwise_affine=affine, bias=bias)),
    )


@FEW
@given(st.data())
def test_groupnorm(data: st.DataObject) -> None:
    draw = data.draw
    groups = draw(st.integers(1, 4))
    c = mostly(draw, st.integers(1, 2).map(lambda m: m * groups), st.integers(1, 8))
    shape = (c, *(draw(st.integers(1, 4)) for _ in range(draw(st.integers(0, 3)))))
    stated = mostly(draw, st.none(), st.integers(1, 8))
    affine = draw(st.booleans())
    layer: dict[str, Any] = {"type": "groupnorm", "num_groups": groups, "affine": affine}
    if stated is not None:
        layer["num_channels"] = stated
    # torch refuses a group of one value at run time (no variance); that is about the data,
    # not the architecture, and cnncalc does not judge it
    assume((c // groups) * math.prod(shape[1:]) != 1)
    stricter = stated not in (None, c) and not affine  # as batchnorm: torch never checks it
    agree(layer, shape, lambda: nn.GroupNorm(groups, stated or c, affine=affine), stricter=stricter)


# ---- padding, resizing ---------------------------------------------------------------------


@FEW
@given(st.data())
def test_pad(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *spatial(draw, n, 1, 5))
    if draw(st.booleans()):
        padding: Any = draw(st.integers(-2, 3))
        torch_pad: Any = padding
    else:
        padding = [draw(st.integers(-3, 3)) for _ in range(2 * n)]
        torch_pad = tuple(padding)
    if draw(st.booleans()):
        agree({"type": f"zeropad{n}d", "padding": padding}, shape, lambda: ZEROPAD[n](torch_pad))
    else:
        agree(
            {"type": f"constantpad{n}d", "padding": padding, "value": 1.5},
            shape,
            lambda: CONSTPAD[n](torch_pad, 1.5),
        )


SCALES = [0.29, 0.3, 0.5, 0.7, 1, 1.1, 1.5, 2, 2.5, 3]


@CASES
@given(st.data())
def test_upsample(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    shape = (draw(st.integers(1, 3)), *spatial(draw, n, 1, 100 if n == 1 else 12))
    kind = draw(
        st.sampled_from(["upsample", "upsample", "upsamplingnearest2d", "upsamplingbilinear2d"])
    )
    layer: dict[str, Any] = {"type": kind}
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        spec, size = per_axis(draw, n, 1, 9)
        layer["size"], kw["size"] = spec, (size if isinstance(spec, list) else spec)
    elif draw(st.booleans()):
        layer["scale_factor"] = kw["scale_factor"] = draw(st.sampled_from(SCALES))
    else:
        scales = [draw(st.sampled_from(SCALES)) for _ in range(n)]
        layer["scale_factor"], kw["scale_factor"] = scales, tuple(float(v) for v in scales)
    if kind == "upsample":
        mode = draw(
            st.sampled_from(
                ["nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear"]
            )
        )
        layer["mode"] = kw["mode"] = mode
        make = lambda: nn.Upsample(**kw)  # noqa: E731
    else:
        cls = nn.UpsamplingNearest2d if kind.endswith("nearest2d") else nn.UpsamplingBilinear2d
        make = lambda: cls(**kw)  # noqa: E731
    # torch's UpsamplingNearest2d resizes any rank; cnncalc holds the 2d classes to C×H×W
    agree(layer, shape, make, stricter=kind == "upsamplingnearest2d" and n != 2)


# ---- activations ---------------------------------------------------------------------------

ACTIVATIONS: dict[str, Any] = {
    "relu": nn.ReLU,
    "relu6": nn.ReLU6,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "silu": nn.SiLU,
    "hardswish": nn.Hardswish,
    "hardsigmoid": nn.Hardsigmoid,
    "mish": nn.Mish,
    "softplus": nn.Softplus,
    "selu": nn.SELU,
}


@CASES
@given(st.data())
def test_activations(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 4)) for _ in range(draw(st.integers(1, 4))))
    kind = draw(
        st.sampled_from(
            [*ACTIVATIONS, "leaky_relu", "elu", "gelu", "softmax", "logsoftmax", "prelu"]
        )
    )
    if kind in ACTIVATIONS:
        agree({"type": kind}, shape, ACTIVATIONS[kind])
    elif kind == "leaky_relu":
        agree({"type": kind, "negative_slope": 0.2}, shape, lambda: nn.LeakyReLU(0.2))
    elif kind == "elu":
        agree({"type": kind, "alpha": 0.5}, shape, lambda: nn.ELU(0.5))
    elif kind == "gelu":
        approx = draw(st.sampled_from(["none", "tanh"]))
        agree({"type": kind, "approximate": approx}, shape, lambda: nn.GELU(approx))
    elif kind in ("softmax", "logsoftmax"):
        dim = draw(st.integers(-6, 5))
        agree(
            {"type": kind, "dim": dim},
            shape,
            lambda: (nn.Softmax if kind == "softmax" else nn.LogSoftmax)(dim),
        )
    else:
        num = draw(st.sampled_from([1, shape[0], shape[0] + 1]))
        agree({"type": "prelu", "num_parameters": num}, shape, lambda: nn.PReLU(num))


# ---- LeNet-only kinds, against torch modules that compute the same thing -------------------


class TableConv(nn.Module):
    """LeNet's partial connection: output map i is a convolution over the input maps table[i]."""

    def __init__(self, table: list[list[int]], k: int, bias: bool) -> None:
        super().__init__()
        self.table = table
        self.convs = nn.ModuleList(nn.Conv2d(len(row), 1, k, bias=bias) for row in table)

    def forward(self, x: Any) -> Any:
        return torch.cat(
            [conv(x[:, row]) for conv, row in zip(self.convs, self.table, strict=True)], dim=1
        )


@FEW
@given(st.data())
def test_connection_table_conv(data: st.DataObject) -> None:
    draw = data.draw
    cin = draw(st.integers(1, 6))
    # rows of distinct input maps; index cin (one past the last map) is a map that does not exist
    rows = draw(
        st.lists(
            st.lists(st.integers(0, cin), min_size=1, max_size=cin, unique=True),
            min_size=1,
            max_size=6,
        )
    )
    k, bias = draw(st.integers(1, 3)), draw(st.booleans())
    shape = (cin, draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    layer = {
        "type": "conv2d",
        "out_channels": len(rows),
        "kernel_size": k,
        "bias": bias,
        "connection_table": rows,
    }
    agree(layer, shape, lambda: TableConv(rows, k, bias))


def test_lenet5_named_table_matches_torch() -> None:
    from cnncalc.layers.conv import LENET5_TABLE

    rows = [list(r) for r in LENET5_TABLE]
    got = agree(
        {"type": "conv2d", "out_channels": 16, "kernel_size": 5, "connection_table": "lenet5"},
        (6, 14, 14),
        lambda: TableConv(rows, 5, True),
    )
    assert got is not None and got.trainable == 1516 and got.shape == (16, 10, 10)


@FEW
@given(st.data())
def test_subsample(data: st.DataObject) -> None:
    draw = data.draw
    n = draw(st.integers(1, 3))
    c = draw(st.integers(1, 6))
    k_spec, k = per_axis(draw, n, 1, 3)
    layer: dict[str, Any] = {
        "type": f"subsample{n}d",
        "kernel_size": k_spec,
        "bias": draw(st.booleans()),
    }
    s = k
    if draw(st.booleans()):
        layer["stride"], s = per_axis(draw, n, 1, 3)
    shape = (c, *spatial(draw, n, 1, 9))
    # sum over the window, times one coefficient per map, plus one bias per map
    agree(
        layer,
        shape,
        lambda: nn.Sequential(
            AVGPOOL[n](k, stride=s), CONV[n](c, c, 1, groups=c, bias=layer["bias"])
        ),
    )


# ---- attention ----------------------------------------------------------------------------


class MathAttention(nn.Module):
    """nn.MultiheadAttention as the layer calls it (query, key, value; the output only), with
    scaled dot-product attention forced to the math kernel, whose matmuls FlopCounterMode
    counts (the CPU's default kernel counts none): the reference file's `how`."""

    def __init__(self, inner: nn.MultiheadAttention) -> None:
        super().__init__()
        self.inner = inner

    def forward(self, q: Any, k: Any = None, v: Any = None) -> Any:
        from torch.nn.attention import SDPBackend, sdpa_kernel

        k = q if k is None else k
        with sdpa_kernel(SDPBackend.MATH):
            return self.inner(q, k, k if v is None else v, need_weights=False)[0]


@st.composite
def attention_fields(draw: Draw, e: int) -> dict[str, Any]:
    heads = mostly(
        draw, st.sampled_from([h for h in range(1, e + 1) if e % h == 0]), st.integers(1, 4)
    )
    layer: dict[str, Any] = {"type": "multiheadattention", "embed_dim": e, "num_heads": heads}
    for name in ("bias", "add_bias_kv", "add_zero_attn"):
        if draw(st.booleans()):
            layer[name] = draw(st.booleans())
    return layer


def torch_attention(layer: dict[str, Any]) -> nn.MultiheadAttention:
    own = {k: v for k, v in layer.items() if k not in ("type", "embed_dim", "num_heads")}
    return nn.MultiheadAttention(layer["embed_dim"], layer["num_heads"], **own)


@FEW
@given(st.data())
def test_multiheadattention_self(data: st.DataObject) -> None:
    """One input, as torchvision's ViT calls it: self_attention(x, x, x, need_weights=False)."""
    draw = data.draw
    length, e = draw(st.integers(1, 7)), draw(st.integers(1, 8))
    layer = {**draw(attention_fields(mostly(draw, st.just(e), st.integers(1, 8)))),
             "batch_first": True}  # fmt: skip
    agree(layer, (length, e), lambda: MathAttention(torch_attention(layer)))
    # torch's default reads (N, L, E) as (L, N, E): attention across the batch; cnncalc refuses
    agree({**layer, "batch_first": False}, (length, e), lambda: nn.Identity(), stricter=True)


@FEW
@given(st.data())
def test_multiheadattention_query_key_value(data: st.DataObject) -> None:
    """Three inputs (cross-attention, kdim/vdim): the layer's own rules against torch's module
    on three tensors; its declared state against the module's state_dict, key by key."""
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.layers.attention import MultiheadAttention

    draw = data.draw
    e = draw(st.integers(1, 8))
    layer = {**draw(attention_fields(e)), "batch_first": True}
    kd, vd = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    if draw(st.booleans()):
        layer["kdim"] = kd
    if draw(st.booleans()):
        layer["vdim"] = vd
    length, s = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    shapes = [(length, e), (s, layer.get("kdim", e)), (s, layer.get("vdim", e))]
    assume(e % layer["num_heads"] == 0)
    model = MultiheadAttention.model_validate(layer)
    y = model.infer(shapes)
    c = model.counts(shapes, y)
    m = MathAttention(torch_attention(layer))
    with FlopCounterMode(display=False) as fc:
        out = m(*(torch.randn(2, *sh) for sh in shapes))
    assert tuple(out.shape[1:]) == y
    assert c.trainable == sum(p.numel() for p in m.parameters()) and c.fixed == c.buffers == 0
    assert c.macs == fc.get_total_flops() // 4  # FLOPs / 2, per sample of the batch of 2
    declared = [(t.name, t.shape) for t in model.state(shapes[0], y)]
    assert declared == [(k, tuple(v.shape)) for k, v in m.inner.state_dict().items()]


def test_multiheadattention_generated_module_is_torchs() -> None:
    """The generated module (torch_helpers.Attention) is an nn.MultiheadAttention: one input
    or three, the attention output only."""
    from cnncalc.codegen.torch_helpers import Attention

    m = Attention(8, 2, batch_first=True, kdim=3, vdim=5)
    assert isinstance(m, nn.MultiheadAttention)
    q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 3), torch.randn(2, 6, 5)
    assert torch.equal(m(q, k, v), nn.MultiheadAttention.forward(m, q, k, v, need_weights=False)[0])
    s = Attention(8, 2, batch_first=True)
    assert torch.equal(s(q), nn.MultiheadAttention.forward(s, q, q, q, need_weights=False)[0])


# ---- tensor layout -------------------------------------------------------------------------


class Fn(nn.Module):
    """A torch function (no parameters) as a module, for `agree`."""

    def __init__(self, f: Callable[[Any], Any]) -> None:
        super().__init__()
        self.f = f

    def forward(self, x: Any) -> Any:
        return self.f(x)


def torch_dim(draw: Draw, d: int, rank: int) -> int:
    """Dim d of a rank-`rank` tensor, sometimes written from the end (negative), as torch reads."""
    return d - rank if draw(st.booleans()) else d


@CASES
@given(st.data())
def test_matmul(data: st.DataObject) -> None:
    """Two layer outputs multiplied as torch.matmul does on (batch, …) tensors: output shape and
    MACs (FlopCounterMode's bmm/mm FLOPs / 2) against torch, refusals where torch refuses."""
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.errors import LayerError
    from cnncalc.layers.matmul import MatMul

    draw = data.draw
    rank = draw(st.integers(2, 4))
    n, k, m = (draw(st.integers(1, 5)) for _ in range(3))
    lead_a = [draw(st.sampled_from([1, 2, 3])) for _ in range(rank - 2)]
    lead_b = [mostly(draw, st.sampled_from([1, d]), st.integers(1, 3)) for d in lead_a]
    a = (*lead_a, n, k)
    b = (*lead_b, mostly(draw, st.just(k), st.integers(1, 5)), m)
    layer = MatMul.model_validate({"type": "matmul"})
    try:
        with FlopCounterMode(display=False) as fc:
            out = torch.matmul(torch.randn(2, *a), torch.randn(2, *b))
    except RuntimeError:
        with pytest.raises(LayerError) as info:
            layer.infer([a, b])
        assert info.value.code == "E102"
        return
    y = layer.infer([a, b])
    assert y == tuple(out.shape[1:])
    assert layer.counts([a, b], y).macs == fc.get_total_flops() // 4  # / 2, per sample of 2


@FEW
@given(st.data())
def test_softmax_over_attention_scores(data: st.DataObject) -> None:
    """softmax over the keys of H×L×S attention scores (torch's N×H×L×S: dim -1 or 3), and
    over any other dim of a rank-3/4 input, as nn.Softmax."""
    draw = data.draw
    scores = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(2, 3))))
    dim = draw(st.sampled_from([-1, len(scores), *range(-len(scores) - 1, len(scores) + 1)]))
    kind = draw(st.sampled_from(["softmax", "logsoftmax"]))
    make = nn.Softmax if kind == "softmax" else nn.LogSoftmax
    agree({"type": kind, "dim": dim}, scores, lambda: make(dim=dim))


@CASES
@given(st.data())
def test_permute(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1
    order = [0, *draw(st.permutations(range(1, rank)))]
    dims = [torch_dim(draw, d, rank) for d in order]
    roll = draw(st.integers(0, 9))
    if roll == 0:  # a wrong length, a repeat or a dim out of range: torch refuses
        dims = draw(
            st.sampled_from([dims[:-1], [*dims, 1], [*dims[:-1], dims[1]], [*dims[:-1], rank]])
        )
    moved = roll == 1 and rank > 1  # torch moves the batch; cnncalc keeps it first on purpose
    if moved:
        dims[0], dims[-1] = dims[-1], dims[0]
    agree(
        {"type": "permute", "dims": dims}, shape, lambda: Fn(lambda x: x.permute(*dims)),
        stricter=moved,
    )  # fmt: skip


@CASES
@given(st.data())
def test_transpose(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1
    a, b = (torch_dim(draw, draw(st.integers(0, rank)), rank) for _ in range(2))  # rank: refused
    moved = all(-rank <= v < rank for v in (a, b)) and 0 in (a % rank, b % rank)
    agree(
        {"type": "transpose", "dim0": a, "dim1": b}, shape,
        lambda: Fn(lambda x: x.transpose(a, b)), stricter=moved,
    )  # fmt: skip


@CASES
@given(st.data())
def test_unflatten(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 12)) for _ in range(draw(st.integers(1, 3))))
    rank = len(shape) + 1
    dim = torch_dim(draw, draw(st.integers(1, rank - 1)), rank)
    n = shape[dim % rank - 1]
    a = mostly(draw, st.sampled_from([d for d in range(1, n + 1) if n % d == 0]), st.integers(1, 5))
    sizes = draw(st.sampled_from([[a, -1], [-1, a], [a, n // a], [a, 1, -1], [n], [a, -1, -1]]))
    dim = draw(st.sampled_from([dim] * 9 + [0, rank]))  # the batch, or out of range: refused
    agree(
        {"type": "unflatten", "dim": dim, "unflattened_size": sizes}, shape,
        lambda: nn.Unflatten(dim, tuple(sizes)), stricter=dim == 0,
    )  # fmt: skip


@CASES
@given(st.data())
def test_mean_sum_amax(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1
    kind = draw(st.sampled_from(["mean", "sum", "amax"]))
    axes = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank - 1, unique=True))
    dims = [torch_dim(draw, d, rank) for d in axes]
    roll = draw(st.integers(0, 9))
    if roll == 0:  # a repeat or a dim out of range: torch refuses
        dims = [*dims, draw(st.sampled_from([dims[0], rank, -rank - 1]))]
    moved = roll == 1  # the batch: torch reduces it, cnncalc refuses on purpose
    if moved:
        dims = [*dims, draw(st.sampled_from([0, -rank]))]
    dim: int | list[int] = dims[0] if len(dims) == 1 and draw(st.booleans()) else dims
    keepdim = draw(st.booleans())
    f = getattr(torch, kind)
    agree(
        {"type": kind, "dim": dim, "keepdim": keepdim}, shape,
        lambda: Fn(lambda x: f(x, dim=dim, keepdim=keepdim)), stricter=moved,
    )  # fmt: skip


@CASES
@given(st.data())
def test_roll(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1
    axes = draw(st.lists(st.integers(1, rank - 1), min_size=1, max_size=rank))
    dims = [torch_dim(draw, d, rank) for d in axes]
    shifts = [draw(st.integers(-9, 9)) for _ in dims]
    roll = draw(st.integers(0, 9))
    if roll == 0:  # shifts and dims that do not align, or a dim out of range: torch refuses
        shifts, dims = draw(st.sampled_from([(shifts[:-1], dims), (shifts, [*dims[:-1], rank])]))
    moved = roll == 1  # the batch: torch rolls it, cnncalc refuses on purpose
    if moved:
        dims[-1] = draw(st.sampled_from([0, -rank]))
    one = len(dims) == 1 and draw(st.booleans())
    dim: int | list[int] = dims[0] if one else dims
    shift: int | list[int] = shifts[0] if one and shifts else shifts
    agree(
        {"type": "roll", "shifts": shift, "dims": dim}, shape,
        lambda: Fn(lambda x: torch.roll(x, shifts=shift, dims=dim)), stricter=moved,
    )  # fmt: skip


@CASES
@given(st.data())
def test_select_and_narrow(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 6)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1
    dim = torch_dim(draw, draw(st.integers(0, rank)), rank)  # 0: the batch; rank: out of range
    moved = -rank <= dim < rank and dim % rank == 0  # torch selects a sample; cnncalc refuses
    start = draw(st.integers(-8, 8))
    if draw(st.booleans()):
        agree(
            {"type": "select", "dim": dim, "index": start}, shape,
            lambda: Fn(lambda x: x.select(dim, start)), stricter=moved,
        )  # fmt: skip
        return
    length = draw(st.integers(1, 6))
    agree(
        {"type": "narrow", "dim": dim, "start": start, "length": length}, shape,
        lambda: Fn(lambda x: x.narrow(dim, start, length)), stricter=moved,
    )  # fmt: skip


# ---- shifted window attention (Swin) ---------------------------------------------------------


def tv_shifted_window_attention(
    x: Any, qkv: Any, proj: Any, bias: Any, window: list[int], heads: int, shift: list[int],
    logit_scale: Any = None,
) -> Any:  # fmt: skip
    """torchvision.models.swin_transformer.shifted_window_attention (torchvision 0.28, no
    dropout), step by step as there: pad, roll, partition, F.linear, q·kᵀ, bias, mask,
    softmax, attn·v, F.linear, reverse, roll back, unpad. With logit_scale (Swin v2): the k
    third of the qkv bias zeroed, cosine attention scaled by exp(min(logit_scale, ln 100))."""
    b, h, w, c = x.shape
    pad_r = (window[1] - w % window[1]) % window[1]
    pad_b = (window[0] - h % window[0]) % window[0]
    x = F.pad(x, (0, 0, 0, pad_r, 0, pad_b))
    _, ph, pw, _ = x.shape
    shift = list(shift)
    if window[0] >= ph:
        shift[0] = 0
    if window[1] >= pw:
        shift[1] = 0
    if sum(shift) > 0:
        x = torch.roll(x, shifts=(-shift[0], -shift[1]), dims=(1, 2))
    nw = (ph // window[0]) * (pw // window[1])
    x = x.view(b, ph // window[0], window[0], pw // window[1], window[1], c)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b * nw, window[0] * window[1], c)
    qkv_bias = qkv.bias
    if logit_scale is not None and qkv_bias is not None:
        qkv_bias = qkv_bias.clone()
        length = qkv_bias.numel() // 3
        qkv_bias[length : 2 * length].zero_()
    t = F.linear(x, qkv.weight, qkv_bias)
    t = t.reshape(x.size(0), x.size(1), 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    q, k, v = t[0], t[1], t[2]
    if logit_scale is not None:
        attn = F.normalize(q, dim=-1) @ F.normalize(k, dim=-1).transpose(-2, -1)
        attn = attn * torch.clamp(logit_scale, max=math.log(100.0)).exp()
    else:
        q = q * (c // heads) ** -0.5
        attn = q.matmul(k.transpose(-2, -1))
    attn = attn + bias
    if sum(shift) > 0:
        mask = x.new_zeros((ph, pw))
        hs = ((0, -window[0]), (-window[0], -shift[0]), (-shift[0], None))
        ws = ((0, -window[1]), (-window[1], -shift[1]), (-shift[1], None))
        count = 0
        for h0, h1 in hs:
            for w0, w1 in ws:
                mask[h0:h1, w0:w1] = count
                count += 1
        mask = mask.view(ph // window[0], window[0], pw // window[1], window[1])
        mask = mask.permute(0, 2, 1, 3).reshape(nw, window[0] * window[1])
        mask = mask.unsqueeze(1) - mask.unsqueeze(2)
        mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
        attn = attn.view(x.size(0) // nw, nw, heads, x.size(1), x.size(1))
        attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, x.size(1), x.size(1))
    attn = F.softmax(attn, dim=-1)
    x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), c)
    x = F.linear(x, proj.weight, proj.bias)
    x = x.view(b, ph // window[0], pw // window[1], window[0], window[1], c)
    x = x.permute(0, 1, 3, 2, 4, 5).reshape(b, ph, pw, c)
    if sum(shift) > 0:
        x = torch.roll(x, shifts=(shift[0], shift[1]), dims=(1, 2))
    return x[:, :h, :w, :].contiguous()


class TvShiftedWindowAttention(nn.Module):
    """torchvision.models.swin_transformer.ShiftedWindowAttention (torchvision 0.28): qkv and
    proj Linear modules that forward never calls (it passes their tensors to F.linear), the
    relative position bias table and its index buffer, as define_relative_coords builds them."""

    def __init__(
        self, dim: int, window: list[int], shift: list[int], heads: int, qkv_bias: bool = True,
        proj_bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        if len(window) != 2 or len(shift) != 2:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window, self.shift, self.heads = window, shift, heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.relative_position_bias_table = nn.Parameter(
            torch.randn((2 * window[0] - 1) * (2 * window[1] - 1), heads)
        )
        coords = torch.stack(
            torch.meshgrid(torch.arange(window[0]), torch.arange(window[1]), indexing="ij")
        ).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window[0] - 1
        rel[:, :, 1] += window[1] - 1
        rel[:, :, 0] *= 2 * window[1] - 1
        self.register_buffer("relative_position_index", rel.sum(-1).flatten())

    def forward(self, x: Any) -> Any:
        n = self.window[0] * self.window[1]
        bias = self.relative_position_bias_table[self.relative_position_index]
        bias = bias.view(n, n, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
        return tv_shifted_window_attention(
            x, self.qkv, self.proj, bias, self.window, self.heads, self.shift
        )


def window_attention(draw: Draw, kind: str, c: int, axes: int, most: int) -> dict[str, Any]:
    """A Swin window attention layer over `axes` window axes (each window 1..`most`) on
    `c` channels: heads mostly dividing c, shifts within the window, optional dim and biases."""
    heads = mostly(draw, st.sampled_from([d for d in range(1, c + 1) if c % d == 0]),
                   st.integers(1, 4))  # fmt: skip
    window = [draw(st.integers(1, most)) for _ in range(axes)]
    shift = [draw(st.integers(0, max(0, k - 1))) for k in window]
    layer: dict[str, Any] = {
        "type": kind,
        "window_size": window,
        "shift_size": shift,
        "num_heads": heads,
    }
    if draw(st.booleans()):
        layer["dim"] = mostly(draw, st.just(c), st.integers(1, 8))
    for name in ("qkv_bias", "proj_bias"):
        if draw(st.booleans()):
            layer[name] = draw(st.booleans())
    return layer


@st.composite
def swin_attention_case(draw: Draw) -> tuple[dict[str, Any], tuple[int, int, int]]:
    h, w, c = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 8))
    return window_attention(draw, "shiftedwindowattention", c, 2, 5), (h, w, c)


def torch_swin_attention(layer: dict[str, Any], c: int) -> TvShiftedWindowAttention:
    return TvShiftedWindowAttention(
        layer.get("dim", c), layer["window_size"], layer["shift_size"], layer["num_heads"],
        layer.get("qkv_bias", True), layer.get("proj_bias", True),
    )  # fmt: skip


@CASES
@given(swin_attention_case())
def test_shiftedwindowattention(case: tuple[dict[str, Any], tuple[int, int, int]]) -> None:
    """Shape, parameters, the index buffer and MACs (qkv and proj as addmm/mm, q·kᵀ and attn·v
    as bmm) against torchvision's computation, over padded and shifted windows."""
    layer, shape = case
    agree(layer, shape, lambda: torch_swin_attention(layer, shape[-1]))


@FEW
@given(swin_attention_case())
def test_shiftedwindowattention_generated_module_is_torchvisions(
    case: tuple[dict[str, Any], tuple[int, int, int]],
) -> None:
    """The generated module (torch_helpers.ShiftedWindowAttention): torchvision's state_dict,
    key by key and in order (the declared state's too), and its output on torchvision's weights,
    shifted or not."""
    from cnncalc.codegen.torch_helpers import ShiftedWindowAttention
    from cnncalc.layers.swin_attention import ShiftedWindowAttention as Layer

    layer, (h, w, c) = case
    layer.pop("dim", None)
    assume(c % layer["num_heads"] == 0)
    ref = torch_swin_attention(layer, c)
    own = {k: v for k, v in layer.items() if k in ("qkv_bias", "proj_bias")}
    gen = ShiftedWindowAttention(
        c, layer["window_size"], layer["shift_size"], layer["num_heads"], **own
    )
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in gen.state_dict().items()} == want
    model = Layer.model_validate(layer)
    assert [(t.name, t.shape) for t in model.state((h, w, c), (h, w, c))] == list(want.items())
    assert torch.equal(gen.relative_position_index, ref.relative_position_index)
    gen.load_state_dict(ref.state_dict())
    x = torch.randn(2, h, w, c)
    torch.testing.assert_close(gen.eval()(x), ref(x))


def tv_shifted_window_attention_3d(
    x: Any, qkv: Any, proj: Any, bias: Any, window: list[int], heads: int, shift: list[int]
) -> Any:
    """torchvision.models.video.swin_transformer.shifted_window_attention_3d (torchvision
    0.28, no dropout), step by step as there: pad, roll, partition, F.linear, q·kᵀ, bias,
    mask, softmax, attn·v, F.linear, reverse, roll back, unpad."""
    b, t, h, w, c = x.shape
    pad = [(window[i] - s % window[i]) % window[i] for i, s in enumerate((t, h, w))]
    x = F.pad(x, (0, 0, 0, pad[2], 0, pad[1], 0, pad[0]))
    _, tp, hp, wp, _ = x.shape
    if sum(shift) > 0:
        x = torch.roll(x, shifts=(-shift[0], -shift[1], -shift[2]), dims=(1, 2, 3))
    nw = (tp // window[0]) * (hp // window[1]) * (wp // window[2])
    x = x.view(b, tp // window[0], window[0], hp // window[1], window[1], wp // window[2],
               window[2], c)  # fmt: skip
    x = x.permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(b * nw, window[0] * window[1] * window[2], c)
    qkv_ = F.linear(x, qkv.weight, qkv.bias)
    qkv_ = qkv_.reshape(x.size(0), x.size(1), 3, heads, c // heads).permute(2, 0, 3, 1, 4)
    q, k, v = qkv_[0], qkv_[1], qkv_[2]
    q = q * (c // heads) ** -0.5
    attn = q.matmul(k.transpose(-2, -1)) + bias
    if sum(shift) > 0:
        mask = x.new_zeros(tp, hp, wp)
        cuts = [((0, -window[i]), (-window[i], -shift[i]), (-shift[i], None)) for i in range(3)]
        count = 0
        for d in cuts[0]:
            for hh in cuts[1]:
                for ww in cuts[2]:
                    mask[d[0] : d[1], hh[0] : hh[1], ww[0] : ww[1]] = count
                    count += 1
        mask = mask.view(tp // window[0], window[0], hp // window[1], window[1],
                         wp // window[2], window[2])  # fmt: skip
        mask = mask.permute(0, 2, 4, 1, 3, 5).reshape(nw, window[0] * window[1] * window[2])
        mask = mask.unsqueeze(1) - mask.unsqueeze(2)
        mask = mask.masked_fill(mask != 0, -100.0).masked_fill(mask == 0, 0.0)
        attn = attn.view(x.size(0) // nw, nw, heads, x.size(1), x.size(1))
        attn = (attn + mask.unsqueeze(1).unsqueeze(0)).view(-1, heads, x.size(1), x.size(1))
    attn = F.softmax(attn, dim=-1)
    x = attn.matmul(v).transpose(1, 2).reshape(x.size(0), x.size(1), c)
    x = F.linear(x, proj.weight, proj.bias)
    x = x.view(b, tp // window[0], hp // window[1], wp // window[2], window[0], window[1],
               window[2], c)  # fmt: skip
    x = x.permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(b, tp, hp, wp, c)
    if sum(shift) > 0:
        x = torch.roll(x, shifts=(shift[0], shift[1], shift[2]), dims=(1, 2, 3))
    return x[:, :t, :h, :w, :].contiguous()


class TvShiftedWindowAttention3d(nn.Module):
    """torchvision.models.video.swin_transformer.ShiftedWindowAttention3d (torchvision 0.28):
    as the 2-D class, its index buffer an N×N matrix; forward shrinks the window to an axis
    no longer than it and does not shift that axis (_get_window_and_shift_size), and takes
    the bias of the window applied from the index's leading block (_get_relative_position_bias)."""

    def __init__(
        self, dim: int, window: list[int], shift: list[int], heads: int, qkv_bias: bool = True,
        proj_bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        if len(window) != 3 or len(shift) != 3:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window, self.shift, self.heads = window, shift, heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        self.relative_position_bias_table = nn.Parameter(
            torch.randn((2 * window[0] - 1) * (2 * window[1] - 1) * (2 * window[2] - 1), heads)
        )
        coords = torch.stack(
            torch.meshgrid(*(torch.arange(k) for k in window), indexing="ij")
        ).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window[0] - 1
        rel[:, :, 1] += window[1] - 1
        rel[:, :, 2] += window[2] - 1
        rel[:, :, 0] *= (2 * window[1] - 1) * (2 * window[2] - 1)
        rel[:, :, 1] *= 2 * window[2] - 1
        self.register_buffer("relative_position_index", rel.sum(-1))

    def forward(self, x: Any) -> Any:
        window, shift = list(self.window), list(self.shift)
        for i, size in enumerate(x.shape[1:4]):
            if size <= window[i]:
                window[i], shift[i] = size, 0
        n = window[0] * window[1] * window[2]
        bias = self.relative_position_bias_table[self.relative_position_index[:n, :n].flatten()]
        bias = bias.view(n, n, -1).permute(2, 0, 1).contiguous().unsqueeze(0)
        return tv_shifted_window_attention_3d(
            x, self.qkv, self.proj, bias, window, self.heads, shift
        )


@st.composite
def swin3d_attention_case(draw: Draw) -> tuple[dict[str, Any], tuple[int, int, int, int]]:
    t, h, w = (draw(st.integers(1, 6)) for _ in range(3))
    c = draw(st.integers(1, 8))
    return window_attention(draw, "shiftedwindowattention3d", c, 3, 4), (t, h, w, c)


def torch_swin3d_attention(layer: dict[str, Any], c: int) -> TvShiftedWindowAttention3d:
    return TvShiftedWindowAttention3d(
        layer.get("dim", c), layer["window_size"], layer["shift_size"], layer["num_heads"],
        layer.get("qkv_bias", True), layer.get("proj_bias", True),
    )  # fmt: skip


@CASES
@given(swin3d_attention_case())
def test_shiftedwindowattention3d(case: tuple[dict[str, Any], tuple[int, int, int, int]]) -> None:
    """Shape, parameters, the N×N index buffer and MACs against torchvision's computation,
    over padded, shifted and (an axis no longer than the window) shrunk windows."""
    layer, shape = case
    agree(layer, shape, lambda: torch_swin3d_attention(layer, shape[-1]))


@FEW
@given(swin3d_attention_case())
def test_shiftedwindowattention3d_generated_module_is_torchvisions(
    case: tuple[dict[str, Any], tuple[int, int, int, int]],
) -> None:
    """The generated module (torch_helpers.ShiftedWindowAttention3d): torchvision's
    state_dict, key by key and in order (the declared state's too), and its output on
    torchvision's weights."""
    from cnncalc.codegen.torch_helpers import ShiftedWindowAttention3d
    from cnncalc.layers.swin_attention3d import ShiftedWindowAttention3d as Layer

    layer, (t, h, w, c) = case
    layer.pop("dim", None)
    assume(c % layer["num_heads"] == 0)
    ref = torch_swin3d_attention(layer, c)
    own = {k: v for k, v in layer.items() if k in ("qkv_bias", "proj_bias")}
    gen = ShiftedWindowAttention3d(
        c, layer["window_size"], layer["shift_size"], layer["num_heads"], **own
    )
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items()}
    assert {k: tuple(v.shape) for k, v in gen.state_dict().items()} == want
    model = Layer.model_validate(layer)
    shape = (t, h, w, c)
    assert [(s.name, s.shape) for s in model.state(shape, shape)] == list(want.items())
    assert torch.equal(gen.relative_position_index, ref.relative_position_index)
    gen.load_state_dict(ref.state_dict())
    x = torch.randn(2, t, h, w, c)
    torch.testing.assert_close(gen.eval()(x), ref(x))


class TvShiftedWindowAttentionV2(nn.Module):
    """torchvision.models.swin_transformer.ShiftedWindowAttentionV2 (torchvision 0.28): v1's
    qkv, proj and index buffer; the relative_coords_table buffer (log-spaced coordinates, as
    define_relative_position_bias_table builds it), logit_scale, and cpb_mlp, a module of its
    own called on the table; 16·sigmoid of the bias gathered from cpb_mlp's output. Attributes
    set in torchvision's order, so the state_dict is in its order too."""

    def __init__(
        self, dim: int, window: list[int], shift: list[int], heads: int, qkv_bias: bool = True,
        proj_bias: bool = True,
    ) -> None:  # fmt: skip
        super().__init__()
        if len(window) != 2 or len(shift) != 2:
            raise ValueError("window_size and shift_size must be of length 2")
        self.window, self.shift, self.heads = window, shift, heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim, bias=proj_bias)
        rh = torch.arange(-(window[0] - 1), window[0], dtype=torch.float32)
        rw = torch.arange(-(window[1] - 1), window[1], dtype=torch.float32)
        table = torch.stack(torch.meshgrid([rh, rw], indexing="ij"))
        table = table.permute(1, 2, 0).contiguous().unsqueeze(0)  # 1, 2*Wh-1, 2*Ww-1, 2
        table[:, :, :, 0] /= window[0] - 1  # 0/0 for a window of 1, as in torchvision
        table[:, :, :, 1] /= window[1] - 1
        table *= 8
        table = torch.sign(table) * torch.log2(torch.abs(table) + 1.0) / 3.0
        self.register_buffer("relative_coords_table", table)
        coords = torch.stack(
            torch.meshgrid(torch.arange(window[0]), torch.arange(window[1]), indexing="ij")
        ).flatten(1)
        rel = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0).contiguous()
        rel[:, :, 0] += window[0] - 1
        rel[:, :, 1] += window[1] - 1
        rel[:, :, 0] *= 2 * window[1] - 1
        self.register_buffer("relative_position_index", rel.sum(-1).flatten())
        self.logit_scale = nn.Parameter(torch.log(10 * torch.ones((heads, 1, 1))))
        self.cpb_mlp = nn.Sequential(
            nn.Linear(2, 512, bias=True), nn.ReLU(inplace=True), nn.Linear(512, heads, bias=False)
        )
        if qkv_bias:
            length = self.qkv.bias.numel() // 3
            self.qkv.bias[length : 2 * length].data.zero_()

    def forward(self, x: Any) -> Any:
        n = self.window[0] * self.window[1]
        table = self.cpb_mlp(self.relative_coords_table).view(-1, self.heads)
        bias = table[self.relative_position_index].view(n, n, -1)
        bias = 16 * torch.sigmoid(bias.permute(2, 0, 1).contiguous().unsqueeze(0))
        return tv_shifted_window_attention(
            x, self.qkv, self.proj, bias, self.window, self.heads, self.shift, self.logit_scale
        )


def swin_v2_spec(layer: dict[str, Any], shape: tuple[int, int, int]) -> str:
    """A spec of torchvision's ShiftedWindowAttentionV2 as specs/blocks/swin_v2.yaml writes it:
    the group `attn` of the coordinates buffer, cpb_mlp and the kind, named L."""
    window = layer["window_size"]
    heads = layer["num_heads"]
    size = [1, 2 * window[0] - 1, 2 * window[1] - 1, 2]
    body = [
        {"name": "relative_coords_table", "type": "parameter", "op": "alone", "buffer": True,
         "size": size},
        {"name": "cpb_mlp", "layers": [
            {"type": "linear", "out_features": 512}, {"type": "relu"},
            {"type": "linear", "out_features": heads, "bias": False}]},
        {"name": "L", **layer, "from": ["input", "cpb_mlp"]},
    ]  # fmt: skip
    spec = {
        "name": "case",
        "input": dict(zip(("channels", "height", "width"), shape, strict=True)),
        "layers": [{"name": "attn", "layers": body}],
    }
    return yaml.safe_dump(spec, sort_keys=False)


def torch_swin_attention_v2(layer: dict[str, Any], c: int) -> TvShiftedWindowAttentionV2:
    return TvShiftedWindowAttentionV2(
        layer.get("dim", c), layer["window_size"], layer["shift_size"], layer["num_heads"],
        layer.get("qkv_bias", True), layer.get("proj_bias", True),
    )  # fmt: skip


@CASES
@given(swin_attention_case())
def test_shiftedwindowattentionv2(case: tuple[dict[str, Any], tuple[int, int, int]]) -> None:
    """torchvision's ShiftedWindowAttentionV2 against its spec (the coordinates buffer, cpb_mlp,
    the kind): the output shape, parameters, buffers and MACs of the whole (FlopCounterMode at
    batch 1: cpb_mlp runs once whatever the batch), and the kind's own share (the whole less
    cpb_mlp and the coordinates); refused where torchvision refuses."""
    from torch.utils.flop_counter import FlopCounterMode

    from cnncalc.api import analyze, loads
    from cnncalc.errors import SpecError

    layer, shape = case
    layer = {**layer, "type": "shiftedwindowattentionv2"}
    text = swin_v2_spec(layer, shape)
    try:
        m = torch_swin_attention_v2(layer, shape[-1])
        with FlopCounterMode(display=False) as fc:
            y = m(torch.randn(1, *shape))
    except REFUSALS:
        with pytest.raises(SpecError) as info:
            analyze(loads(text, "case.yaml"))
        assert all(p.layer == "attn.L" for p in info.value.problems), info.value
        return
    rep = analyze(loads(text, "case.yaml"))
    t = rep.totals
    params = list(m.parameters())
    buffers = sum(b.numel() for b in m.buffers())
    assert rep.outputs[0] == tuple(y.shape[1:])
    assert (t.trainable, t.fixed, t.buffers) == (sum(p.numel() for p in params), 0, buffers)
    assert t.macs == fc.get_total_flops() // 2
    with FlopCounterMode(display=False) as cpb:
        m.cpb_mlp(m.relative_coords_table)
    own = rep.layers[-1].counts
    assert own.trainable == t.trainable - sum(p.numel() for p in m.cpb_mlp.parameters())
    assert own.buffers == m.relative_position_index.numel()
    assert own.macs == (fc.get_total_flops() - cpb.get_total_flops()) // 2


@FEW
@given(swin_attention_case())
def test_shiftedwindowattentionv2_generated_module_is_torchvisions(
    case: tuple[dict[str, Any], tuple[int, int, int]],
) -> None:
    """The generated module (torch_helpers.ShiftedWindowAttention with v2): torchvision's
    state_dict less cpb_mlp and the coordinates buffer, key by key and in order (the declared
    state's too), and torchvision's output on its weights, given cpb_mlp's output — with a
    qkv bias whose k third is not zero (forward zeroes it)."""
    from cnncalc.codegen.torch_helpers import ShiftedWindowAttention
    from cnncalc.layers.swin_attention_v2 import ShiftedWindowAttentionV2 as Layer

    layer, (h, w, c) = case
    layer = {**layer, "type": "shiftedwindowattentionv2"}
    layer.pop("dim", None)
    assume(c % layer["num_heads"] == 0)
    ref = torch_swin_attention_v2(layer, c)
    for p in ref.parameters():
        nn.init.normal_(p)
    own = {k: v for k, v in layer.items() if k in ("qkv_bias", "proj_bias")}
    gen = ShiftedWindowAttention(
        c, layer["window_size"], layer["shift_size"], layer["num_heads"], v2=True, **own
    )
    outside = ("relative_coords_table", "cpb_mlp.")
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items() if not k.startswith(outside)}
    assert {k: tuple(v.shape) for k, v in gen.state_dict().items()} == want
    assert list(gen.state_dict()) == list(want)
    model = Layer.model_validate(layer)
    assert [(t.name, t.shape) for t in model.state((h, w, c), (h, w, c))] == list(want.items())
    assert torch.equal(gen.relative_position_index, ref.relative_position_index)
    gen.load_state_dict({k: v for k, v in ref.state_dict().items() if k in want})
    x = torch.randn(2, h, w, c)
    with torch.no_grad():
        got = gen.eval()(x, ref.cpb_mlp(ref.relative_coords_table))
        torch.testing.assert_close(got, ref(x), equal_nan=True)  # a window of 1: 0/0 as there


@CASES
@given(st.data())
def test_pixelshuffle_and_pixelunshuffle(data: st.DataObject) -> None:
    draw = data.draw
    r = draw(st.integers(1, 3))
    shuffle = draw(st.booleans())
    if shuffle:  # channels a multiple of r² four times in five
        c = mostly(draw, st.integers(1, 3).map(lambda m: m * r * r), st.integers(1, 12))
        hw = spatial(draw, 2, 1, 5)
    else:  # height and width multiples of r four times in five
        c = draw(st.integers(1, 4))
        hw = tuple(
            mostly(draw, st.integers(1, 3).map(lambda m: m * r), st.integers(1, 7))
            for _ in range(2)
        )
    # C×L or C×D×H×W: torch reads the last three batch-inclusive axes as C×H×W (the batch
    # as channels, or the channels as a batch); cnncalc wants C×H×W and refuses on purpose
    rank = draw(st.sampled_from([3, 3, 3, 2, 4]))
    shape = (c, *hw) if rank == 3 else (c, hw[0]) if rank == 2 else (c, 2, *hw)
    if shuffle:
        layer = {"type": "pixelshuffle", "upscale_factor": r}
        make: Callable[[], nn.Module] = lambda: nn.PixelShuffle(r)  # noqa: E731
    else:
        layer = {"type": "pixelunshuffle", "downscale_factor": r}
        make = lambda: nn.PixelUnshuffle(r)  # noqa: E731
    agree(layer, shape, make, stricter=rank != 3)


@FEW
@given(st.data())
def test_pixelshuffle_and_pixelunshuffle_on_symbolic_sizes(data: st.DataObject) -> None:
    """Shuffled up by r, H·r is a multiple of r for every H: unshuffling it is exact, and both
    match torch at any H, W. Unshuffling H itself depends on H: refused, located."""
    from torch_agree import FILE, LAYER, assert_located

    from cnncalc.api import analyze, loads
    from cnncalc.errors import SpecError
    from cnncalc.sym import evaluate

    draw = data.draw
    r, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    text = (
        f"name: s\ninput: {{channels: {c * r * r}, height: H, width: W}}\nlayers:\n"
        f"  - {{name: up, type: pixelshuffle, upscale_factor: {r}}}\n"
        f"  - {{name: down, type: pixelunshuffle, downscale_factor: {r}}}\n"
    )
    up, down = analyze(loads(text, FILE)).layers
    x = torch.empty(1, c * r * r, h, w)
    for got, want in ((up, nn.PixelShuffle(r)(x)), (down, x)):
        assert tuple(evaluate(d, {"H": h, "W": w}) for d in got.output_shape) == want.shape[1:]
        k = got.counts
        assert (k.trainable, k.fixed, k.buffers, k.macs) == (0, 0, 0, 0)
    bare = text.replace("name: down", f"name: {LAYER}").replace("  - {name: up", "  # ")
    if r > 1:
        with pytest.raises(SpecError) as err:
            analyze(loads(bare, FILE))
        assert_located(err.value)
        assert "for every input" in err.value.problems[0].message
    else:
        assert analyze(loads(bare, FILE)).layers[-1].output_shape[1:] == up.output_shape[1:]


class WithParameter(nn.Module):
    """torch's own use of a free parameter: ConvNeXt's layer_scale * x, ViT's x + pos_embedding
    and torch.cat([class_token.expand(n, -1, -1), x], dim=1); or of a buffer; or of either
    alone (Swin v2's relative_coords_table, which its module feeds to cpb_mlp)."""

    def __init__(
        self, size: list[int], op: str, dim: int, trainable: bool, buffer: bool = False
    ) -> None:
        super().__init__()
        if buffer:
            self.register_buffer("p", torch.zeros(size))
        else:
            self.p = nn.Parameter(torch.zeros(size), requires_grad=trainable)
        self.op, self.dim = op, dim

    def forward(self, x: Any) -> Any:
        if self.op == "alone":
            return self.p
        if self.op == "mul":
            return self.p * x
        if self.op == "add":
            return x + self.p
        grown = self.p.expand(x.shape[0], *[-1] * (self.p.dim() - 1))
        return torch.cat([grown, x], dim=self.dim)


@CASES
@given(st.data())
def test_parameter(data: st.DataObject) -> None:
    draw = data.draw
    shape = tuple(draw(st.integers(1, 5)) for _ in range(draw(st.integers(1, 4))))
    rank = len(shape) + 1  # batched
    op = draw(st.sampled_from(["mul", "add", "concat", "alone"]))
    full = (2, *shape)  # the batch, as torch sees it (2: a wrong batch size there can pass)
    n = draw(st.integers(0, rank + 1))
    # mostly sizes torch broadcasts: the input's own, 1, or anything
    size = [
        draw(st.sampled_from([full[-n + i] if i >= n - rank else 3, 1, 1, 3])) for i in range(n)
    ]
    if op == "concat" and draw(st.booleans()):
        size = [1, *shape]
    if op == "alone" and draw(st.booleans()):
        size = [1, *size]  # torch's batch position first, as alone wants
    dim = torch_dim(draw, draw(st.integers(0, rank)), rank)
    trainable, buffer = draw(st.booleans()), draw(st.booleans())
    layer: dict[str, Any] = {"type": "parameter", "size": size, "op": op, "trainable": trainable}
    if buffer or draw(st.booleans()):
        layer["buffer"] = buffer
    if op == "concat":
        layer["dim"] = dim
        if 0 < dim % rank < len(size) and -rank <= dim < rank and len(size) == rank:
            size[dim % rank] = draw(st.integers(1, 4))  # the joined axis may differ
    # refused on purpose where torch accepts: the parameter would change the batch axis
    batch_moved = len(size) > rank or (len(size) == rank and size[0] != 1)
    if op == "concat":
        batch_moved = (len(size) == rank and size[0] != 1) or (
            -rank <= dim < rank and dim % rank == 0
        )
    if op == "alone":  # torch reads the tensor's first dimension as the batch: it must be 1
        batch_moved = len(size) < 2 or size[0] != 1
    agree(
        layer, shape, lambda: WithParameter(size, op, dim, trainable, buffer), batch=2,
        stricter=batch_moved,
    )  # fmt: skip
