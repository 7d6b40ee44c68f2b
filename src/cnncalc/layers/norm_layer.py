"""layernorm: normalizes over the trailing `normalized_shape` dimensions."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Tensor,
    fmt,
    held,
    never_equal,
    numel,
    pyargs,
    shape_str,
)
from cnncalc.layers.fields import Number, Sizes


class LayerNorm(Layer):
    VIEWS = "dense"
    TYPES = ("layernorm",)

    normalized_shape: Sizes
    eps: Number = 1e-5
    elementwise_affine: bool = True
    bias: bool = True

    def dims_normalized(self) -> tuple[int, ...]:
        ns = self.normalized_shape
        return (ns,) if isinstance(ns, int) else ns

    def shape(self, x: Shape) -> Shape:
        ns = self.dims_normalized()
        tail = x[len(x) - len(ns) :] if len(ns) <= len(x) else None
        if tail is None or any(never_equal(a, b) for a, b in zip(tail, ns, strict=True)):
            raise LayerError(
                f"normalized_shape {list(ns)} does not match the input's trailing dims "
                f"({shape_str(x)})",
                "normalized_shape lists the last dimensions of the input",
                field="normalized_shape",
                code="E102",
            )
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        # statistics over the normalized (trailing) dimensions mix every position along them
        return None if 1 + axis >= len(x) - len(self.dims_normalized()) else POINTWISE

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        if not self.elementwise_affine:
            return ()
        ns = self.dims_normalized()
        return (Tensor("weight", ns), *((Tensor("bias", ns),) if self.bias else ()))

    def count(self, x: Shape, y: Shape) -> Counts:
        # as the paper counts a unit: its one input, plus one per bias
        shift = self.elementwise_affine and self.bias
        return held(self.state(x, y)).with_links(numel(y) * (2 if shift else 1))

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        if not self.elementwise_affine:
            return ["params = 0 (elementwise_affine: false)"]
        per = 2 if self.bias else 1  # a scale per element, and a shift unless bias: false
        dims = "·".join(str(d) for d in self.dims_normalized())
        return [f"params = {per}·{dims} = {fmt(self.count(inputs[0], y).trainable)}"]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # the input, and the mean and reciprocal standard deviation of each normalized row
        rows = inputs[0][: len(inputs[0]) - len(self.dims_normalized())]
        stat = Saved("own", shape=rows)
        return (Saved("input"), stat, stat)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        return (Op("layer_norm", x, y, "LayerNorm", affine=self.elementwise_affine),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("eps", "elementwise_affine", "bias")
        return f"nn.LayerNorm({pyargs(self.normalized_shape, **kw)})"
