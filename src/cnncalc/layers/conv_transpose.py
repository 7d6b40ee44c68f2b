"""convtranspose1d / 2d / 3d: N = (W − 1)·S − 2P + D·(K − 1) + output_padding + 1."""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Literal

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Reads,
    Saved,
    Shape,
    Tensor,
    concrete,
    factor,
    fmt,
    held,
    numel,
    pyargs,
    require_positive,
    tight,
)
from cnncalc.layers.fields import NonNegs, Size, Sizes, ntuple
from cnncalc.layers.window import AXES
from cnncalc.sym import Dim


class ConvTranspose(Layer):
    VIEWS = "keep"
    TYPES = ("convtranspose1d", "convtranspose2d", "convtranspose3d")
    DIMS = (1, 2, 3)

    out_channels: Size
    kernel_size: Sizes
    in_channels: Size | None = None
    stride: Sizes = 1
    padding: NonNegs = 0
    output_padding: NonNegs = 0
    dilation: Sizes = 1
    groups: Size = 1
    bias: bool = True
    padding_mode: Literal["zeros"] = "zeros"

    def geometry(self) -> list[tuple[int, int, int, int, int]]:
        n = self.dims
        k, s, p, op, d = (
            ntuple(v, n, f)
            for v, f in (
                (self.kernel_size, "kernel_size"),
                (self.stride, "stride"),
                (self.padding, "padding"),
                (self.output_padding, "output_padding"),
                (self.dilation, "dilation"),
            )
        )
        for si, opi, di in zip(s, op, d, strict=True):
            if opi >= max(si, di):
                raise LayerError(
                    f"output_padding {opi} must be smaller than stride or dilation",
                    "torch refuses it too; lower output_padding",
                    field="output_padding",
                )
        return list(zip(k, s, p, op, d, strict=True))

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        self.check_in(self.in_channels, x[0], "in_channels")
        if isinstance(x[0], int):
            for what, v in (("input channels", x[0]), ("out_channels", self.out_channels)):
                if v % self.groups:
                    raise LayerError(
                        f"{what} ({v}) is not divisible by groups ({self.groups})",
                        field="groups",
                        code="E102",
                    )
        out: list[Dim] = []
        for axis, w, (k, s, p, op, d) in zip(AXES[n], x[1:], self.geometry(), strict=True):
            o = (w - 1) * s - 2 * p + d * (k - 1) + op + 1
            require_positive(o, f"output {axis}", "use less padding", "padding")
            out.append(o)
        return (self.out_channels, *out)

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        """Input i feeds outputs i·S - P + k·D (k < K): output o reads every i that lands on it,
        none when no tap does (K < S); 1/S input positions per output."""
        k, s, p, _, d = self.geometry()[axis]
        # tap t lands on o when t·D ≡ o + P (mod S): solvable when g = gcd(D, S) divides o + P,
        # then for t ≡ t0 (mod S/g); O(1) per position, not O(K) (a long kernel, many positions)
        g = math.gcd(d, s)
        cycle = s // g
        inverse = pow(d // g, -1, cycle) if cycle > 1 else 0

        def span(o: int) -> tuple[Dim, Dim] | None:
            a = o + p
            if a % g:
                return None
            first = a // g * inverse % cycle  # the smallest tap that lands on o
            if first >= k:
                return None
            last = first + (k - 1 - first) // cycle * cycle  # the largest
            return (a - last * d) // s, (a - first * d) // s

        return Reads(Fraction(1, s), span)

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        k = ntuple(self.kernel_size, self.dims, "kernel_size")
        weight = Tensor("weight", (x[0], self.out_channels // self.groups, *k))  # torch: in first
        return (weight, Tensor("bias", (self.out_channels,))) if self.bias else (weight,)

    def count(self, x: Shape, y: Shape) -> Counts:
        state = self.state(x, y)
        bias = self.out_channels if self.bias else 0
        # every input position scatters into out_channels/groups maps through the kernel
        links = numel(state[0].shape) * numel(x[1:])
        return held(state).with_links(links + bias * numel(y[1:]), links)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        lines = [
            f"{a} = ({fmt(w)} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {op} + 1 = {fmt(o)}"
            for a, w, (k, s, p, op, d), o in zip(
                AXES[self.dims], x[1:], self.geometry(), y[1:], strict=True
            )
        ]
        c = self.count(x, y)
        kernel = "·".join(map(str, ntuple(self.kernel_size, self.dims, "kernel_size")))
        per = f"{self.out_channels}/{self.groups}" if self.groups != 1 else f"{self.out_channels}"
        label = "out_channels" if self.groups == 1 else "(out_channels/groups)"
        weights = f"{factor(x[0])}·({per})·({kernel})"
        bias = self.out_channels if self.bias else 0
        lines.append(
            f"params = in_channels·{label}·kernel + bias = {weights} + {bias} = {fmt(c.trainable)}"
        )
        # each input position scatters through every weight: MACs count input positions
        inside = "·".join(factor(d) for d in x[1:])
        lines.append(
            f"MACs = in_channels·{label}·kernel·input positions"
            f" = {weights}·({inside}) = {fmt(c.macs)}"
        )
        outside = "·".join(factor(d) for d in y[1:])
        lines.append(
            "connections = MACs + bias·output positions"
            f" = {fmt(c.macs)} + {bias}·({outside}) = {fmt(c.connections)}"
        )
        return lines

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return (Saved("input"),)  # convolution_backward, transposed: input and weight

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        sizes = self.torch_kwargs("stride", "padding", "output_padding")
        kw = {k: tight(v) for k, v in sizes.items()}
        kw |= self.torch_kwargs("groups", "bias")
        kw |= {k: tight(v) for k, v in self.torch_kwargs("dilation").items()}
        cin = concrete(x[0], "the input's channel count")
        args = pyargs(cin, self.out_channels, kernel_size=tight(self.kernel_size), **kw)
        return f"nn.ConvTranspose{self.dims}d({args})"
