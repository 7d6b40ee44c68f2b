"""headwiseconv3d: one Conv3d applied to each head of a heads×C×T×H×W tensor, as torchvision's
MViT pools q, k and v (its Pool module: the heads folded into the batch, B·heads×C×T×H×W, and
unfolded after). The weights are the convolution's own, shared by the heads; connections and
MACs are the convolution's, once per head. torch reports the module's output with the heads
in the batch (B·heads first); here the heads stay the first dimension.

The fields are conv3d's; every rule asks that one-head convolution (`one`) about x[1:]."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Reads,
    Saved,
    Shape,
    Tensor,
    TorchModules,
    factor,
    fmt,
    full,
)
from cnncalc.layers.conv import Conv
from cnncalc.layers.layout import (
    Strides,
    dense,
    is_channels_last,
    is_contiguous,
    laid_out,
    view,
)
from cnncalc.layers.window import Window
from cnncalc.sym import Dim

NOT_CONV = frozenset({"type", "name", "from_", "activation", "expect"})


class HeadwiseConv(Conv):
    TYPES = ("headwiseconv3d",)
    DIMS = (3,)

    def ops(self, inputs: Sequence[Shape], y: Shape) -> None:
        return None  # heads folded into the batch around the convolution: not declared

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return self.saved_at(2, inputs, y, [dense(full(2, inputs[0]))])

    def fold(self, batch: int, x: Shape, s: Strides) -> Strides | None:
        """The strides of input.flatten(0, 1), the heads in the batch; None: a copy."""
        sizes = full(batch, x)
        return view(sizes, s, (sizes[0] * sizes[1], *sizes[2:]))

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # the convolution keeps input.flatten(0, 1): a view of the input where its strides
        # allow, else a copy. Padding other than the convolution's own zeros: not declared
        x, s = inputs[0], strides[0]
        if s is None or self.padding_mode != "zeros" or self.padding == "tf_same":
            return None
        if self.uneven_padding() or self.padding == "same":
            return None
        return (Saved("input"),) if self.fold(batch, x, s) is not None else (Saved("own", shape=x),)

    def layout(
        self, ins: Sequence[Strides | None], shapes: Sequence[Shape], y: Shape, batch: int
    ) -> tuple[int | None, Strides | None] | None:
        # the convolution's result in the memory format its input suggests (contiguous, or
        # channels-last 3-D), viewed back to N×heads×…; where an axis of the fold has size
        # 1 torch's float64 kernel picks otherwise: not followed
        s = ins[0]
        if s is None:
            return None
        sizes, out = full(batch, shapes[0]), full(batch, y)
        flat = (sizes[0] * sizes[1], *sizes[2:])
        fold = self.fold(batch, shapes[0], s)
        if fold is None or is_contiguous(flat, fold):
            return None, dense(out)
        last = is_channels_last(flat, fold)
        if last and 1 in flat[1:]:
            return None, None
        result = (out[0] * out[1], *out[2:])
        return None, view(result, laid_out(result, last), out)

    def one(self) -> Conv:
        """The convolution each head goes through."""
        # the fields are validated already (this layer's own, conv3d's)
        return Conv.model_construct(type="conv3d", **{k: v for k, v in self if k not in NOT_CONV})

    def input_windows(self, x: Shape) -> list[Window]:
        # none shown: lint and `sizes` pair windows with the axes after x[0], here the channels
        return []

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 5, "heads×C×T×H×W")
        if self.connection_table is not None:
            raise LayerError(
                "headwiseconv3d takes no connection_table",
                "remove it",
                field="connection_table",
                code="E102",
            )
        return (x[0], *self.one().shape(x[1:]))

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        return self.one().state(x[1:], y[1:])

    def count(self, x: Shape, y: Shape) -> Counts:
        one = self.one().count(x[1:], y[1:])  # one head's convolution, the weights held once
        return one.with_links(one.connections * x[0], one.macs * x[0])

    def reads(self, x: Shape, y: Shape, axis: int) -> Reads | str | None:
        if axis == 0:  # the channels of each head
            return "not defined: a convolution mixes the channels"
        return self.one().windows(x[1:])[axis - 1].reads()

    def exact_divisions(self, x: Shape) -> Sequence[tuple[Dim, int]]:
        return ()  # as input_windows

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        x = inputs[0]
        one, c = self.one().count(x[1:], y[1:]), self.count(x, y)
        heads = factor(x[0])
        return [
            *self.one().explain([x[1:]], y[1:])[:-2],
            f"connections = one head's·heads = {fmt(one.connections)}·{heads} "
            f"= {fmt(c.connections)}",
            f"MACs = one head's·heads = {fmt(one.macs)}·{heads} = {fmt(c.macs)}",
        ]

    def torch_modules(self, x: Shape, y: Shape) -> TorchModules | None:
        mods = self.one().torch_modules(x[1:], y[1:])
        conv = "nn.Conv3d("
        if mods is None or len(mods.calls) != 1 or not mods.calls[0].startswith(conv):
            raise LayerError(
                "headwiseconv3d lowers to one Conv3d: a padding it cannot take itself is refused",
                "use symmetric integer padding",
                field="padding",
                code="E120",
            )
        # torch_helpers.HeadwiseConv3d: nn.Conv3d over the heads folded into the batch
        return TorchModules(("HeadwiseConv3d(" + mods.calls[0][len(conv) :],))
