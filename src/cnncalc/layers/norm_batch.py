"""batchnorm1d/2d/3d: per-channel scale and shift; running mean/var are buffers, not parameters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from cnncalc.layers.base import (
    POINTWISE,
    Counts,
    Layer,
    Op,
    Reads,
    Saved,
    Shape,
    Tensor,
    Views,
    concrete,
    fmt,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Number, Size


class BatchNorm(Layer):
    VIEWS: ClassVar[Views] = "keep"
    TYPES = ("batchnorm1d", "batchnorm2d", "batchnorm3d")
    DIMS = (1, 2, 3)

    num_features: Size | None = None
    eps: Number = 1e-5
    momentum: Number | None = 0.1
    affine: bool = True
    track_running_stats: bool = True

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        ranks = (1, 2) if n == 1 else (n + 1,)  # batchnorm1d takes C or C×L
        if len(x) not in ranks:
            self.expect_rank(x, ranks[-1], "C×…")
        self.check_in(self.num_features, x[0], "num_features")
        return x

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        # running statistics make it pointwise; without them torch uses the batch's, all positions
        return POINTWISE if self.track_running_stats else None

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        c = (x[0],)
        affine = (Tensor("weight", c), Tensor("bias", c)) if self.affine else ()
        running = (
            Tensor("running_mean", c, "buffer"),
            Tensor("running_var", c, "buffer"),
            Tensor("num_batches_tracked", (), "buffer", "int64"),
        )
        return affine + running if self.track_running_stats else affine

    def count(self, x: Shape, y: Shape) -> Counts:
        connections = numel(y) * (2 if self.affine else 1)
        return held(self.state(x, y)).with_links(connections)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        c, ch = self.count(inputs[0], y), fmt(inputs[0][0])
        return [
            f"params = 2·{ch} = {fmt(c.trainable)}"
            if self.affine
            else "params = 0 (affine: false)",
            f"buffers = 2·{ch} + 1 = {fmt(c.buffers)}"
            if self.track_running_stats
            else "buffers = 0 (track_running_stats: false)",
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        # train mode on the CPU: the input and the batch's per-channel mean and inverse
        # standard deviation (save_mean, save_invstd; the input's dtype, bfloat16 too)
        stat = Saved("own", shape=inputs[0][:1], batched=False)
        return (Saved("input"), stat, stat)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        # without running statistics torch normalizes with the batch's, eval mode or not
        name = "batch_norm" if self.track_running_stats else "batch_norm.training"
        return (Op(name, x, y, f"BatchNorm{self.dims}d", affine=self.affine),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("eps", "momentum", "affine", "track_running_stats")
        return f"nn.BatchNorm{self.dims}d({pyargs(concrete(x[0], 'channels'), **kw)})"
