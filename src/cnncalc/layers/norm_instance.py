"""instancenorm1d/2d/3d: each sample's channels normalized over their own positions.

Its state (weight, bias; running statistics as buffers), counts, explanation and receptive
field are BatchNorm's, so it is one: with running statistics, inference uses them exactly as
BatchNorm does. What differs is torch's defaults (no affine, no running statistics), the input
(always C×spatial) and torch's refusal of a single position to take statistics over."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Op, Saved, Shape, concrete, full, numel, pyargs
from cnncalc.layers.layout import Strides, dense, is_contiguous
from cnncalc.layers.norm_batch import BatchNorm
from cnncalc.sym import bounds

LAYOUT = {1: "C×L", 2: "C×H×W", 3: "C×D×H×W"}


class InstanceNorm(BatchNorm):
    TYPES = ("instancenorm1d", "instancenorm2d", "instancenorm3d")
    DIMS = (1, 2, 3)

    affine: bool = False
    track_running_stats: bool = False

    VIEWS = "dense"  # batch norm's result on the contiguous reshape, viewed back

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        x = inputs[0]
        return (Op("instance_norm", x, y, f"InstanceNorm{self.dims}d", affine=self.affine),)

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, inputs[0]))])

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # F.instance_norm runs batch norm on input.contiguous() viewed 1×(N·C)×…, which it
        # keeps (the input itself, or a contiguous copy of a view), with save_mean and
        # save_invstd per sample and channel, and the weight and running statistics
        # repeated per sample (new tensors) where there are some
        x, s = inputs[0], strides[0]
        dense_input = s is not None and is_contiguous(full(batch, x), s)
        kept = Saved("input") if dense_input else Saved("own", shape=x)
        stat = Saved("own", shape=(x[0],))
        extra = int(self.affine) + 2 * int(self.track_running_stats)
        return (kept, *(stat,) * (2 + extra))

    def shape(self, x: Shape) -> Shape:
        n = self.dims
        if len(x) != n + 1:
            self.expect_rank(x, n + 1, LAYOUT[n])
        self.check_in(self.num_features, x[0], "num_features")
        # torch refuses it even in eval() (F.instance_norm: "Expected more than 1 spatial
        # element"): a variance over one value is 0, the output always β
        if not self.track_running_stats and bounds(numel(x[1:]))[1] == 1:
            raise LayerError(
                "instance norm over a single position: its statistics need more than one",
                "use a larger input, or track_running_stats: true (inference then uses those)",
                code="E102",
            )
        return x

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        kw = self.torch_kwargs("eps", "momentum", "affine", "track_running_stats")
        return f"nn.InstanceNorm{self.dims}d({pyargs(concrete(x[0], 'channels'), **kw)})"
