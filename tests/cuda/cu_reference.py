"""An independent reference for the CUDA backend's numerics: runs an analysed cnncalc network
with torch.nn.functional (float64, CPU by default), layer by layer, from a weights dict keyed
as the generated module's weights layout. It shares no code with the CUDA generator; where
cnncalc's semantics need spelling out (LeNet's layers, per-sample broadcasting) it uses
plain torch arithmetic."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor
from torch.nn import functional as F

from cnncalc.analysis.engine import Report
from cnncalc.spec.network import INPUT

Weights = dict[str, Tensor]


def random_weights(layout: list[tuple[str, tuple[int, ...]]], seed: int = 0) -> Weights:
    """Weights that keep activations near unit scale through deep networks."""
    g = torch.Generator().manual_seed(seed)
    out: Weights = {}
    for key, shape in layout:
        if key.endswith("running_var"):
            t = torch.rand(shape, generator=g, dtype=torch.float64) + 0.5
        elif key.endswith("running_mean") or key.endswith("bias"):
            t = torch.randn(shape, generator=g, dtype=torch.float64) * 0.1
        elif len(shape) == 1:  # norm scales, subsampling coefficients, PReLU slopes
            t = 1.0 + torch.randn(shape, generator=g, dtype=torch.float64) * 0.2
        else:
            fan_in = math.prod(shape[1:])
            t = torch.randn(shape, generator=g, dtype=torch.float64) / math.sqrt(fan_in)
        out[key] = t.float().double()  # values exactly representable in float32
    return out


def run(report: Report, weights: Weights, owners: dict[str, str], x: Tensor) -> list[Tensor]:
    """owners: weights key -> the layer it belongs to (its last dotted part names the tensor)."""
    per_layer: dict[str, list[tuple[str, Tensor]]] = {}
    for key, t in weights.items():
        # a parameter layer's tensor is the layer itself: its key has no tensor name after it
        per_layer.setdefault(owners[key], []).append((key.rsplit(".", 1)[-1], t))
    env: dict[str, Tensor] = {INPUT: x}
    for s in report.layers:
        node = s.node
        layer = node.layer
        ins = [env[i] for i in node.inputs]
        entries = per_layer.get(node.name, [])
        w: Weights = {}
        for name, t in entries:
            w.setdefault(name, t)  # the layer's own tensors come first
        shapes = [tuple(int(d) for d in sh) for sh in s.input_shapes]
        own = tuple(int(d) for d in layer.infer(shapes))
        y = _layer(layer, ins, shapes, own, w)
        if layer.activation is not None:
            aw = {"weight": entries[-1][1]} if layer.activation.type == "prelu" else {}
            y = _layer(layer.activation, [y], [own], tuple(int(d) for d in s.output_shape), aw)
        env[node.name] = y
    return [env[o] for o in report.network.outputs]


def _nd(name: str, n: int) -> Callable[..., Tensor]:
    f: Callable[..., Tensor] = getattr(F, f"{name}{n}d")
    return f


def _layer(
    layer: Any, ins: list[Tensor], shapes: list[tuple[int, ...]], y: tuple[int, ...], w: Weights
) -> Tensor:
    t = layer.type
    x = ins[0] if ins else None
    n = layer.dims
    if t in ("conv1d", "conv2d", "conv3d"):
        assert x is not None
        wins = layer.windows(shapes[0])
        pads: list[int] = []
        for win in reversed(wins):
            pads += [int(win.before), int(win.after)]
        mode = layer.padding_mode
        x = F.pad(x, pads, mode="constant" if mode == "zeros" else mode)
        weight = w["weight"]
        table = layer.table(shapes[0][0])
        if table is not None:  # the full weight with zeros where the table has no connection
            full = torch.zeros(
                layer.out_channels, shapes[0][0], *weight.shape[1:], dtype=weight.dtype
            )
            row = 0
            for co, maps in enumerate(table):
                for ci in maps:
                    full[co, ci] = weight[row]
                    row += 1
            weight = full
        stride = [win.stride for win in wins]
        dil = [win.dilation for win in wins]
        return _nd("conv", n)(x, weight, w.get("bias"), stride, 0, dil, layer.groups)
    if t.startswith("convtranspose"):
        geo = layer.geometry()
        return _nd("conv_transpose", n)(
            x,
            w["weight"],
            w.get("bias"),
            [g[1] for g in geo],
            [g[2] for g in geo],
            [g[3] for g in geo],
            layer.groups,
            [g[4] for g in geo],
        )
    if t.startswith("maxpool"):
        wins = layer.windows()
        return _nd("max_pool", n)(
            x,
            [v.kernel for v in wins],
            [v.stride for v in wins],
            [int(v.before) for v in wins],
            [v.dilation for v in wins],
            layer.ceil_mode,
        )
    if t.startswith("avgpool"):
        wins = layer.windows()
        k, s, p = [v.kernel for v in wins], [v.stride for v in wins], [int(v.before) for v in wins]
        if n == 1:  # avg_pool1d has no divisor_override: the 2d op with a unit axis
            return F.avg_pool2d(
                x.unsqueeze(2),
                [1, *k],
                [1, *s],
                [0, *p],
                layer.ceil_mode,
                layer.count_include_pad,
                layer.divisor_override,
            ).squeeze(2)
        return _nd("avg_pool", n)(
            x, k, s, p, layer.ceil_mode, layer.count_include_pad, layer.divisor_override
        )
    if t.startswith(("adaptive", "global")):
        size = list(y[1:])
        kind = "adaptive_max_pool" if "max" in t else "adaptive_avg_pool"
        return _nd(kind, n)(x, size)
    if t.startswith("subsample"):
        assert x is not None
        wins = layer.windows()
        k, s = [v.kernel for v in wins], [v.stride for v in wins]
        total = _nd("avg_pool", n)(x, k, s) * math.prod(k)
        shape = (1, -1) + (1,) * n
        out = total * w["weight"].view(shape)
        return out + w["bias"].view(shape) if "bias" in w else out
    if t.startswith("batchnorm"):
        return F.batch_norm(
            x,
            w["running_mean"],
            w["running_var"],
            w.get("weight"),
            w.get("bias"),
            False,
            0.0,
            layer.eps,
        )
    if t.startswith("instancenorm"):  # torch's eval(): running statistics where it keeps them
        return F.instance_norm(
            x,
            w.get("running_mean"),
            w.get("running_var"),
            w.get("weight"),
            w.get("bias"),
            not layer.track_running_stats,
            0.0,
            layer.eps,
        )
    if t == "layernorm":
        return F.layer_norm(
            x, list(layer.dims_normalized()), w.get("weight"), w.get("bias"), layer.eps
        )
    if t == "layernorm2d":
        assert x is not None
        c = x.shape[1]
        t_ = F.layer_norm(x.permute(0, 2, 3, 1), (c,), w.get("weight"), w.get("bias"), layer.eps)
        return t_.permute(0, 3, 1, 2)
    if t == "localresponsenorm":
        assert x is not None
        return F.local_response_norm(x, layer.size, layer.alpha, layer.beta, layer.k)
    if t == "groupnorm":
        return F.group_norm(x, layer.num_groups, w.get("weight"), w.get("bias"), layer.eps)
    if t == "linear":
        return F.linear(x, w["weight"], w.get("bias"))
    if t == "rbf":
        assert x is not None
        return ((x[:, None, :] - w["weight"][None]) ** 2).sum(-1)
    if t in ("mean", "sum", "amax"):
        assert x is not None
        dims = layer.dim if isinstance(layer.dim, list) else [layer.dim]
        return getattr(torch, t)(x, dim=dims, keepdim=layer.keepdim)
    if t == "roll":
        assert x is not None
        return torch.roll(x, shifts=layer.shifts, dims=layer.roll_dims)
    if t == "pixelshuffle":
        assert x is not None
        return F.pixel_shuffle(x, layer.upscale_factor)
    if t == "pixelunshuffle":
        assert x is not None
        return F.pixel_unshuffle(x, layer.downscale_factor)
    if t == "parameter":
        assert x is not None
        (p,) = w.values()
        if layer.op == "mul":
            return p * x
        if layer.op == "add":
            return x + p
        return torch.cat([p.expand(x.shape[0], *[-1] * (p.dim() - 1)), x], dim=layer.dim)
    if t == "select":
        assert x is not None
        return x.select(layer.dim, layer.index)
    if t == "narrow":
        assert x is not None
        return x.narrow(layer.dim, layer.start, layer.length)
    if t == "unflatten":
        assert x is not None
        return x.unflatten(layer.dim, layer.unflattened_size)
    if t in ("flatten", "reshape", "view"):
        assert x is not None
        return x.reshape(x.shape[0], *y)
    if t in (
        "identity",
        "dropout",
        "dropout1d",
        "dropout2d",
        "dropout3d",
        "alphadropout",
        "stochasticdepth",
    ):
        return x  # type: ignore[return-value]
    if t in ("add", "mul"):
        rank = max(len(s) for s in shapes)
        acc = None
        for v, s in zip(ins, shapes, strict=True):
            v = v.reshape(
                v.shape[0], *(1,) * (rank - len(s)), *s
            )  # cnncalc: per-sample, right-aligned
            acc = v if acc is None else (acc + v if t == "add" else acc * v)
        return acc  # type: ignore[return-value]
    if t in ("concat", "cat"):
        return torch.cat(ins, layer.axis(len(shapes[0])) + 1)
    if t in ("split", "chunk"):
        assert x is not None
        a = layer.axis(shapes[0])
        start, length = layer.span(shapes[0][a])
        return x.narrow(a + 1, int(start), int(length))
    if t == "channelshuffle":
        assert x is not None
        b, c = x.shape[:2]
        g = layer.groups
        return x.reshape(b, g, c // g, *x.shape[2:]).transpose(1, 2).reshape(x.shape)
    if t in ("permute", "transpose"):
        assert x is not None
        return x.permute(0, *(a + 1 for a in layer.order(shapes[0])))
    if t.startswith(("zeropad", "constantpad")):
        p = layer.padding
        pads = [p] * (2 * n) if isinstance(p, int) else list(p)
        return F.pad(x, pads, value=layer.value)
    if t.startswith("upsampl"):
        mode, align = layer.mode, layer.align_corners
        if t == "upsamplingnearest2d":
            mode = "nearest"
        elif t == "upsamplingbilinear2d":
            mode, align = "bilinear", True
        sf = layer.scale_factor
        if layer.size is not None:
            return F.interpolate(x, size=list(y[1:]), mode=mode, align_corners=align)
        scale = [float(v) for v in sf] if isinstance(sf, tuple) else float(sf)
        return F.interpolate(x, scale_factor=scale, mode=mode, align_corners=align)
    return _activation(layer, x, w)


def _activation(layer: Any, x: Any, w: Weights) -> Tensor:
    t = layer.type
    simple: dict[str, Callable[[Tensor], Tensor]] = {
        "relu": F.relu,
        "relu6": F.relu6,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "silu": F.silu,
        "hardswish": F.hardswish,
        "hardsigmoid": F.hardsigmoid,
        "mish": F.mish,
        "softplus": F.softplus,
        "selu": F.selu,
    }
    if t in simple:
        return simple[t](x)
    if t == "leakyrelu":
        return F.leaky_relu(x, layer.negative_slope)
    if t == "elu":
        return F.elu(x, layer.alpha)
    if t == "gelu":
        return F.gelu(x, approximate=layer.approximate)
    if t == "scaled_tanh":
        return layer.scale * torch.tanh(layer.slope * x)
    if t == "prelu":
        return F.prelu(x, w["weight"])
    if t == "softmax":
        return F.softmax(x, layer.dim)
    if t == "logsoftmax":
        return F.log_softmax(x, layer.dim)
    raise NotImplementedError(t)
