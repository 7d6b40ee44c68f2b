"""channelshuffle (torch.nn.ChannelShuffle, ShuffleNet's channel_shuffle): permutes channels
across groups; shape unchanged, no parameters."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer, Op, Saved, Shape, pyargs
from cnncalc.layers.fields import Size


class ChannelShuffle(Layer):
    VIEWS = "keep"
    TYPES = ("channelshuffle",)
    groups: Size

    def shape(self, x: Shape) -> Shape:
        if len(x) < 2:
            self.expect_rank(x, 3, "C×H×W")
        if isinstance(x[0], int) and x[0] % self.groups:
            raise LayerError(
                f"{x[0]} channels cannot be shuffled in {self.groups} groups",
                "groups must divide the channel count",
                field="groups",
                code="E102",
            )
        return x

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # a permuted copy: backward permutes the gradient back

    def ops(self, inputs: Sequence[Shape], y: Shape) -> tuple[Op, ...] | None:
        return (Op("channel_shuffle", inputs[0], y, "ChannelShuffle"),)

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        return f"nn.ChannelShuffle({pyargs(self.groups)})"
