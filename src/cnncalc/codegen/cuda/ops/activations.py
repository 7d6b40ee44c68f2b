"""Elementwise activations: one C statement on v each, fused into the producer when possible."""

from __future__ import annotations

from cnncalc.layers.activations import (
    ELU,
    GELU,
    LeakyReLU,
    PReLU,
    ReLU,
    ReLU6,
    ScaledTanh,
    Simple,
)
from cnncalc.layers.base import Layer

from ..cstyle import flt, prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, Unsupported, lowers

_SOFTPLUS = "(v > 20.0f ? v : log1pf(expf(v)))"  # torch's softplus: beta 1, threshold 20
SIMPLE = {
    "sigmoid": "v = 1.0f / (1.0f + expf(-v));",
    "tanh": "v = tanhf(v);",
    "silu": "v = v / (1.0f + expf(-v));",
    "hardswish": "v = v * fminf(fmaxf(v + 3.0f, 0.0f), 6.0f) / 6.0f;",
    "hardsigmoid": "v = fminf(fmaxf(v + 3.0f, 0.0f), 6.0f) / 6.0f;",
    "softplus": f"v = {_SOFTPLUS};",
    "mish": f"v = v * tanhf({_SOFTPLUS});",
    "selu": "v = 1.0507009873554805f * (v > 0.0f ? v : 1.6732632423543772f * expm1f(v));",
}


def code(layer: Layer) -> str:
    """The statement for an activation without weights."""
    if isinstance(layer, ReLU):
        return "v = fmaxf(v, 0.0f);"
    if isinstance(layer, ReLU6):
        return "v = fminf(fmaxf(v, 0.0f), 6.0f);"
    if isinstance(layer, LeakyReLU):
        return f"v = v > 0.0f ? v : v * {flt(layer.negative_slope)};"
    if isinstance(layer, ELU):
        return f"v = v > 0.0f ? v : {flt(layer.alpha)} * expm1f(v);"
    if isinstance(layer, GELU):
        if layer.approximate == "tanh":
            return (
                "v = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));"
            )
        return "v = 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));"
    if isinstance(layer, ScaledTanh):
        return f"v = {flt(layer.scale)} * tanhf({flt(layer.slope)} * v);"
    if isinstance(layer, Simple) and layer.type in SIMPLE:
        return SIMPLE[layer.type]
    raise Unsupported(f"the CUDA backend does not support activation '{layer.type}'", "type")


@lowers(ReLU, ReLU6, LeakyReLU, ELU, GELU, ScaledTanh, Simple)
def activation(ctx: Ctx, layer: Layer, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    return ctx.pointwise(ins[0], [code(layer)])


@lowers(PReLU)
def prelu(ctx: Ctx, layer: PReLU, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    prep: list[Prep] = []
    w = ctx.upload(ctx.state(layer, xs[0], y)["weight"], prep)
    inner = prod(y[1:])  # one slope per channel (the first per-sample axis), or one shared
    c = "0" if layer.num_parameters == 1 else ("i" if inner == 1 else f"i / {inner}")
    return ctx.pointwise(ins[0], [f"v = v > 0.0f ? v : W[{w} + {c}] * v;"], prep)
