"""Adaptive pooling to a fixed output size (torch's windows: ⌊i·W/O⌋ .. ⌈(i+1)·W/O⌉), and
global pooling (output 1 per axis) under Keras's names."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

from pydantic import field_validator

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    concrete,
    fmt,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Size
from cnncalc.layers.window import AXES
from cnncalc.sym import Dim, floordiv

MAX_SYMBOLIC_OUT = 256


class AdaptivePool(Layer):
    VIEWS = "keep"
    TYPES = (
        "adaptiveavgpool1d",
        "adaptiveavgpool2d",
        "adaptiveavgpool3d",
        "adaptivemaxpool1d",
        "adaptivemaxpool2d",
        "adaptivemaxpool3d",
    )
    DIMS = (1, 2, 3, 1, 2, 3)

    output_size: Size | list[Size | None]

    @property
    def reduction(self) -> Literal["max", "avg"]:
        """What each window computes: its maximum or its mean."""
        return "max" if "max" in self.type else "avg"

    @field_validator("output_size", mode="before")
    @classmethod
    def _sizes(cls, v: Any) -> Any:
        if isinstance(v, bool) or (isinstance(v, list) and any(isinstance(e, bool) for e in v)):
            raise ValueError(
                "must be a positive integer or a list of them (null keeps the input size)"
            )
        return v

    def targets(self, x: Shape) -> tuple[Dim, ...]:
        n = self.dims
        o = self.output_size
        sizes = [o] * n if isinstance(o, int) else list(o)
        if len(sizes) != n:
            from cnncalc.errors import LayerError

            raise LayerError(f"output_size needs {n} entries", field="output_size")
        return tuple(w if s is None else s for s, w in zip(sizes, x[1:], strict=True))

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, self.dims + 1, "C×" + "×".join(AXES[self.dims]))
        return (x[0], *self.targets(x))

    def count(self, x: Shape, y: Shape) -> Counts:
        per_axis: list[Dim] = []
        for w, o in zip(x[1:], y[1:], strict=True):
            if not isinstance(o, int) or (isinstance(w, int) and w == o):
                per_axis.append(w)  # kept axis: one input per output
                continue
            if isinstance(w, int):  # Σ window sizes in closed form: o may be 10^30
                per_axis.append(w + o - math.gcd(w, o))
                continue
            if o > MAX_SYMBOLIC_OUT:  # the symbolic sum has a term per output: bound its cost
                raise LayerError(
                    f"connections into {o:,} outputs from the symbolic {fmt(w)} are not computed",
                    f"at most {MAX_SYMBOLIC_OUT} outputs per axis from a symbolic size",
                    field="output_size",
                    code="E199",
                )
            # w + o - gcd(w, o) with gcd(w, o) = Σ φ(d) over the divisors d of o that divide w,
            # and [d divides w] = ⌊w/d⌋ - ⌊(w - 1)/d⌋: a few floors, not one term per output
            gcd: Dim = 0
            for d in (d for d in range(1, o + 1) if o % d == 0):
                phi = sum(1 for k in range(1, d + 1) if math.gcd(k, d) == 1)
                gcd = gcd + phi * (floordiv(w, d) - floordiv(w - 1, d))
            per_axis.append(w + o - gcd)
        return Counts(connections=x[0] * numel(tuple(per_axis)))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        return [
            f"output {a} = {fmt(o)} (fixed)" for a, o in zip(AXES[self.dims], y[1:], strict=True)
        ]

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """Output i reads ⌊i·W/O⌋ .. ⌈(i + 1)·W/O⌉ - 1; a single output, the whole input."""
        w, o = x[1 + axis], y[1 + axis]
        if isinstance(o, int) and o == 1:
            return None
        if w == o:
            return POINTWISE
        if not isinstance(w, int) or not isinstance(o, int):
            return "adaptive pooling's windows depend on the symbolic input size"
        return Reads(Fraction(w, o), lambda i: (i * w // o, -(-(i + 1) * w // o) - 1))

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        if self.reduction == "max":
            return (Saved("input"), Saved("own", shape=y, dtype="int64"))
        if all(isinstance(o, int) and o == 1 for o in y[1:]):
            return ()  # torch takes a mean then, whose backward keeps only sizes
        return (Saved("input"),)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        kind = "max" if self.reduction == "max" else "avg"
        name = f"adaptive_{kind}_pool{self.dims}d"  # what nn.Adaptive…Pool…'s forward calls
        return (Op(name, inputs[0], y, self.torch_class(inputs[0], y)),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kind = "Max" if self.reduction == "max" else "Avg"
        o = self.output_size
        if self.dims == 1 and isinstance(o, list):  # torch's 1d pools take no None: the size
            o = [
                concrete(w, "the length") if s is None else s for s, w in zip(o, x[1:], strict=True)
            ]
        return f"nn.Adaptive{kind}Pool{self.dims}d({pyargs(o if isinstance(o, int) else tuple(o))})"


class GlobalPool(AdaptivePool):
    TYPES = (
        "globalavgpool1d",
        "globalavgpool2d",
        "globalavgpool3d",
        "globalmaxpool1d",
        "globalmaxpool2d",
        "globalmaxpool3d",
    )
    DIMS = (1, 2, 3, 1, 2, 3)

    output_size: Size | list[Size | None] = 1
