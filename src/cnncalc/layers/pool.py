"""maxpool1d/2d/3d and avgpool1d/2d/3d: a window with no weights; stride defaults to the kernel."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Op,
    Saved,
    Shape,
    factor,
    fmt,
    full,
    numel,
    pyargs,
    tight,
)
from cnncalc.layers.fields import NonNegs, Size, Sizes, ntuple
from cnncalc.layers.layout import Strides, is_channels_last, laid_out
from cnncalc.layers.window import AXES, Window, slide


class Pool(Layer):
    VIEWS = "keep"
    kernel_size: Sizes
    stride: Sizes | None = None
    padding: NonNegs = 0
    ceil_mode: bool = False

    def dilations(self) -> tuple[int, ...]:
        return (1,) * self.dims

    def windows(self) -> list[Window]:
        n = self.dims
        k = ntuple(self.kernel_size, n, "kernel_size")
        s = ntuple(self.stride if self.stride is not None else self.kernel_size, n, "stride")
        p = ntuple(self.padding, n, "padding")
        d = self.dilations()
        for ki, pi in zip(k, p, strict=True):
            if pi > ki // 2:  # torch compares with kernel_size // 2, dilation ignored
                raise LayerError(
                    f"padding {pi} is more than half the kernel ({ki})",
                    "torch refuses pooling padding above kernel_size // 2; lower padding",
                    field="padding",
                    code="E104",
                )
        return [Window(*a, self.ceil_mode) for a in zip(k, s, p, p, d, strict=True)]

    def input_windows(self, x: Shape) -> list[Window]:
        return self.windows()

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        self.expect_rank(x, n + 1, "C×" + "×".join(AXES[n]))
        return (x[0], *slide(self.windows(), x, "window"))

    def count(self, x: Shape, y: Shape) -> Counts:
        taps = numel(ntuple(self.kernel_size, self.dims, "kernel_size"))
        return Counts(connections=numel(y) * taps)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        lines = [
            w.explain(a, n, o)
            for w, a, n, o in zip(self.windows(), AXES[self.dims], x[1:], y[1:], strict=True)
        ]
        kernel = "·".join(map(str, ntuple(self.kernel_size, self.dims, "kernel_size")))
        outputs = "·".join(factor(d) for d in y)
        c = self.count(x, y)
        lines.append(
            f"connections = outputs·window (each output reads {kernel} inputs)"
            f" = ({outputs})·({kernel}) = {fmt(c.connections)}"
        )
        return lines

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        name = f"{type(self).__name__}{self.dims}d"  # MaxPool2d's forward calls max_pool2d
        return (Op(f"{name[:3].lower()}_pool{self.dims}d", x, y, name),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        own = (
            "stride",
            "padding",
            "dilation",
            "ceil_mode",
            "count_include_pad",
            "divisor_override",
        )
        kw = self.torch_kwargs(*(f for f in own if f in type(self).model_fields))
        kw = {k: tight(v) if isinstance(v, tuple) else v for k, v in kw.items()}
        return f"nn.{type(self).__name__}{self.dims}d({pyargs(tight(self.kernel_size), **kw)})"


class MaxPool(Pool):
    TYPES = ("maxpool1d", "maxpool2d", "maxpool3d")
    DIMS = (1, 2, 3)
    dilation: Sizes = 1

    def dilations(self) -> tuple[int, ...]:
        return ntuple(self.dilation, self.dims, "dilation")

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return (Saved("input"), Saved("own", shape=y, dtype="int64"))  # and the argmax indices

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # max_pool*_with_indices allocates in the memory format its input suggests
        s, x = ins[0], full(batch, shapes[0])
        if s is None:
            return None, None
        return None, laid_out(full(batch, y), is_channels_last(x, s))


class AvgPool(Pool):
    TYPES = ("avgpool1d", "avgpool2d", "avgpool3d")
    DIMS = (1, 2, 3)
    count_include_pad: bool = True
    divisor_override: Size | None = None

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return (Saved("input"),)

    def shape(self, x: Shape) -> Shape:
        if self.dims == 1 and self.divisor_override is not None:
            raise LayerError(
                "avgpool1d has no divisor_override (torch.nn.AvgPool1d takes none)",
                "remove divisor_override, or use avgpool2d",
                field="divisor_override",
                code="E104",
            )
        y = super().shape(x)
        if self.dims == 3:  # torch's avg_pool3d alone wants the unpadded input to hold the kernel
            k = ntuple(self.kernel_size, 3, "kernel_size")
            for axis, n, ki in zip(AXES[3], x[1:], k, strict=True):
                if isinstance(n, int) and n < ki:
                    raise LayerError(
                        f"avgpool3d kernel {ki} is larger than the input {axis} = {n}",
                        "torch's avg_pool3d refuses this even with padding or ceil_mode; "
                        "use a smaller kernel",
                        field="kernel_size",
                        code="E100",
                    )
        return y
