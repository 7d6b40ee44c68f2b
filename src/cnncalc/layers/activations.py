"""Activations: elementwise, shape-preserving, no connections counted (as in the LeNet paper,
the squashing function is part of the unit). PReLU alone has parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Tensor,
    Views,
    fmt,
    pyargs,
)
from cnncalc.layers.fields import AnyInt, Number, Size

# torch.nn's class for each activation type
TORCH_NAMES = {
    "relu": "ReLU", "relu6": "ReLU6", "leakyrelu": "LeakyReLU", "elu": "ELU", "gelu": "GELU",
    "silu": "SiLU", "hardswish": "Hardswish", "hardsigmoid": "Hardsigmoid", "sigmoid": "Sigmoid",
    "tanh": "Tanh", "mish": "Mish", "softplus": "Softplus", "selu": "SELU", "softmax": "Softmax",
    "logsoftmax": "LogSoftmax", "prelu": "PReLU",
}  # fmt: skip
# the torch function each module's forward calls (ReLU6 is a Hardtanh, whose forward it runs)
TORCH_FUNCTIONS = {
    "relu": "relu", "relu6": "hardtanh", "leakyrelu": "leaky_relu", "elu": "elu", "gelu": "gelu",
    "silu": "silu", "hardswish": "hardswish", "hardsigmoid": "hardsigmoid", "sigmoid": "sigmoid",
    "tanh": "tanh", "mish": "mish", "softplus": "softplus", "selu": "selu", "softmax": "softmax",
    "logsoftmax": "log_softmax", "prelu": "prelu",
}  # fmt: skip


class Activation(Layer):
    VIEWS: ClassVar[Views] = "elementwise"
    SHORTHAND_ACTIVATION = False

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        own = [f for f in type(self).model_fields if f not in Layer.model_fields]  # torch's args
        return f"nn.{TORCH_NAMES[self.type]}({pyargs(**self.torch_kwargs(*own))})"

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op(TORCH_FUNCTIONS[self.type], inputs[0], y, TORCH_NAMES[self.type]),)


# autograd keeps the output where the derivative is a function of it, else the input
KEEPS_OUTPUT = (Saved("output"),)
KEEPS_INPUT = (Saved("input"),)


class ReLU(Activation):
    TYPES = ("relu",)
    inplace: bool = False

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_OUTPUT  # threshold_backward(grad, result, 0)

    def aliases(self) -> int | None:
        return 0 if self.inplace else None


class ReLU6(Activation):
    TYPES = ("relu6",)
    inplace: bool = False

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # hardtanh keeps its input; in place (hardtanh_), a copy of it the input's size
        return (Saved("own", shape=inputs[0]),) if self.inplace else KEEPS_INPUT

    def aliases(self) -> int | None:
        return 0 if self.inplace else None


class LeakyReLU(Activation):
    TYPES = ("leakyrelu",)
    negative_slope: Number = 0.01
    inplace: bool = False

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_OUTPUT if self.inplace else KEEPS_INPUT  # in place: the result

    def aliases(self) -> int | None:
        return 0 if self.inplace else None


class ELU(Activation):
    TYPES = ("elu",)
    alpha: Number = 1.0
    inplace: bool = False

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_OUTPUT if self.inplace else KEEPS_INPUT  # in place: the result

    def aliases(self) -> int | None:
        return 0 if self.inplace else None


class GELU(Activation):
    TYPES = ("gelu",)
    approximate: Literal["none", "tanh"] = "none"

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_INPUT


class Simple(Activation):
    """Activations with no arguments that matter to shapes or code."""

    TYPES = ("silu", "hardswish", "hardsigmoid", "sigmoid", "tanh", "mish", "softplus", "selu")

    @property
    def function(self) -> str:
        """Which function: the type's canonical name, one of TYPES."""
        return self.type

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_OUTPUT if self.type in ("sigmoid", "tanh") else KEEPS_INPUT


class ScaledTanh(Activation):
    """LeNet-5's squashing function f(a) = A·tanh(S·a), A = 1.7159, S = 2/3 (paper, appendix A)."""

    TYPES = ("scaled_tanh",)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        # cnncalc's own module: scale * torch.tanh(slope * x), operators around torch.tanh
        x = inputs[0]
        return (Op("*", x, x), Op("tanh", x, y), Op("*", y, y))

    scale: Number = 1.7159
    slope: Number = 2 / 3

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # scale * tanh(slope * x): tanh keeps its result, a tensor between the products
        return (Saved("own", shape=inputs[0]),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"ScaledTanh({pyargs(**self.torch_kwargs('scale', 'slope'))})"


class Softmax(Activation):
    TYPES = ("softmax", "logsoftmax")
    VIEWS = "dense"  # the CPU kernel works on a contiguous copy: a contiguous result
    dim: AnyInt = 1  # torch numbering: 0 is the batch, 1 the channels/features

    @property
    def log(self) -> bool:
        """logsoftmax: the logarithm of the softmax."""
        return self.type == "logsoftmax"

    def ops(self, inputs: Sequence[Shape], y: Shape) -> None:
        return None  # thop's rule reads the dim, which an Op does not carry: not declared

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_OUTPUT  # both backward formulas read the result

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.{TORCH_NAMES[self.type]}({pyargs(dim=self.dim)})"  # torch has no default dim

    def shape(self, x: Shape) -> Shape:
        rank = len(x) + 1  # with the batch
        if not -rank <= self.dim < rank:
            raise LayerError(
                f"dim {self.dim} is outside the input's {rank} dimensions (batch included)",
                f"use a dim from {-rank} to {rank - 1}; 1 is the channels/features",
                field="dim",
            )
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        # a softmax over a spatial dimension mixes every position along it
        return None if self.dim % (len(x) + 1) == 2 + axis else POINTWISE


class PReLU(Activation):
    TYPES = ("prelu",)
    num_parameters: Size = 1

    def shape(self, x: Shape) -> Shape:
        # torch: one slope, or one per channel (dim 1 with the batch)
        n, c = self.num_parameters, (x[0] if x else None)
        if n != 1 and (c is None or (isinstance(c, int) and c != n)):
            raise LayerError(
                f"num_parameters is {self.num_parameters} but the input has "
                + (f"{fmt(x[0])} channels" if x else "no channel dimension"),
                "use 1 (one shared slope) or the channel count",
                field="num_parameters",
                code="E102",
            )
        return x

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        return (Tensor("weight", (self.num_parameters,)),)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return KEEPS_INPUT  # prelu's backward reads the input and the weight
