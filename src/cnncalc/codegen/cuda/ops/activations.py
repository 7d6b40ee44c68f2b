"""Elementwise activations: one C statement on v each, fused into the producer when possible.
One lowering per activation class; the classes without arguments (Simple) by function."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

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

A = TypeVar("A", bound=Layer)

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


def statement(cls: type[A]) -> Callable[[Callable[[A], str]], Callable[[A], str]]:
    """Register `code(layer)`, the activation's C statement on v, as the lowering of `cls`."""

    def register(code: Callable[[A], str]) -> Callable[[A], str]:
        @lowers(cls)
        def activation(ctx: Ctx, layer: A, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
            return ctx.pointwise(ins[0], [code(layer)])

        return code

    return register


@statement(ReLU)
def relu(layer: ReLU) -> str:
    return "v = fmaxf(v, 0.0f);"


@statement(ReLU6)
def relu6(layer: ReLU6) -> str:
    return "v = fminf(fmaxf(v, 0.0f), 6.0f);"


@statement(LeakyReLU)
def leaky_relu(layer: LeakyReLU) -> str:
    return f"v = v > 0.0f ? v : v * {flt(layer.negative_slope)};"


@statement(ELU)
def elu(layer: ELU) -> str:
    return f"v = v > 0.0f ? v : {flt(layer.alpha)} * expm1f(v);"


@statement(GELU)
def gelu(layer: GELU) -> str:
    if layer.approximate == "tanh":
        return "v = 0.5f * v * (1.0f + tanhf(0.7978845608028654f * (v + 0.044715f * v * v * v)));"
    return "v = 0.5f * v * (1.0f + erff(v * 0.7071067811865476f));"


@statement(ScaledTanh)
def scaled_tanh(layer: ScaledTanh) -> str:
    return f"v = {flt(layer.scale)} * tanhf({flt(layer.slope)} * v);"


@statement(Simple)
def simple(layer: Simple) -> str:
    if layer.function not in SIMPLE:
        raise Unsupported(
            f"the CUDA backend does not support activation '{layer.function}'", "type"
        )
    return SIMPLE[layer.function]


@lowers(PReLU)
def prelu(ctx: Ctx, layer: PReLU, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    prep: list[Prep] = []
    w = ctx.upload(ctx.state(layer, xs[0], y)["weight"], prep)
    inner = prod(y[1:])  # one slope per channel (the first per-sample axis), or one shared
    c = "0" if layer.num_parameters == 1 else ("i" if inner == 1 else f"i / {inner}")
    return ctx.pointwise(ins[0], [f"v = v > 0.0f ? v : W[{w} + {c}] * v;"], prep)
