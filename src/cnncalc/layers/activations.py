"""Activations: elementwise, shape-preserving, no connections counted (as in the LeNet paper,
the squashing function is part of the unit). PReLU alone has parameters."""

from __future__ import annotations

from typing import Literal

from cnncalc.layers.base import Counts, Layer, Shape
from cnncalc.layers.fields import AnyInt, Number, Size


class Activation(Layer):
    SHORTHAND_ACTIVATION = False


class ReLU(Activation):
    TYPES = ("relu",)
    inplace: bool = False


class ReLU6(Activation):
    TYPES = ("relu6",)
    inplace: bool = False


class LeakyReLU(Activation):
    TYPES = ("leakyrelu",)
    negative_slope: Number = 0.01
    inplace: bool = False


class ELU(Activation):
    TYPES = ("elu",)
    alpha: Number = 1.0
    inplace: bool = False


class GELU(Activation):
    TYPES = ("gelu",)
    approximate: Literal["none", "tanh"] = "none"


class Simple(Activation):
    """Activations with no arguments that matter to shapes or code."""

    TYPES = ("silu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "mish", "softplus", "selu")


class ScaledTanh(Activation):
    """LeNet-5's squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3 (paper, appendix A)."""

    TYPES = ("scaled_tanh",)
    scale: Number = 1.7159
    slope: Number = 2 / 3


class Softmax(Activation):
    TYPES = ("softmax", "logsoftmax")
    dim: AnyInt = 1  # torch numbering: 0 is the batch, 1 the channels/features


class PReLU(Activation):
    TYPES = ("prelu",)
    num_parameters: Size = 1

    def count(self, x: Shape, y: Shape) -> Counts:
        return Counts(trainable=self.num_parameters)
