"""positionalencoding: torchvision's MViT PositionalEncoding on T·H·W tokens × C: a learned class
token put first, and (MViT v1, without relative positions) a learned position added to every
token: temporal_pos (T×C) repeated over each frame's H·W positions plus spatial_pos (H·W×C)
repeated over the frames, class_pos (C) on the class token. With `rel_pos_embed` (MViT v2) the
class token only. Elementwise: no MACs (FlopCounterMode counts none); connections as `add`."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.errors import LayerError
from cnncalc.layers.base import (
    Counts,
    Layer,
    Saved,
    Shape,
    Tensor,
    concrete,
    fmt,
    held,
    numel,
    pyargs,
)
from cnncalc.layers.fields import Sizes, ntuple


class PositionalEncoding(Layer):
    TYPES = ("positionalencoding",)

    grid: Sizes  # the tokens' [T, H, W] (torchvision's temporal_size and spatial_size)
    rel_pos_embed: bool = False
    VIEWS = "dense"  # cat's result (the class token expanded, then the tokens)

    def shape(self, x: Shape) -> Shape:
        self.expect_rank(x, 2, "tokens×C")
        t, h, w = ntuple(self.grid, 3, "grid")
        if isinstance(x[0], int) and x[0] != t * h * w:
            raise LayerError(
                f"the input has {fmt(x[0])} tokens; a {t}×{h}×{w} grid has {t * h * w}",
                "grid is the T×H×W the tokens were flattened from",
                field="grid",
                code="E102",
            )
        return (x[0] + 1, x[1])

    def state(self, x: Shape, y: Shape) -> tuple[Tensor, ...]:
        t, h, w = ntuple(self.grid, 3, "grid")
        c = x[1]
        if self.rel_pos_embed:
            return (Tensor("class_token", (c,)),)
        return (
            Tensor("class_token", (c,)),
            Tensor("spatial_pos", (h * w, c)),
            Tensor("temporal_pos", (t, c)),
            Tensor("class_pos", (c,)),
        )

    def count(self, x: Shape, y: Shape) -> Counts:
        links = 0 if self.rel_pos_embed else 2 * numel(y)  # each value and its position
        return held(self.state(x, y)).with_links(links)

    def explain(self, inputs: Sequence[Shape], y: Shape) -> list[str]:
        t, h, w = ntuple(self.grid, 3, "grid")
        c = self.count(inputs[0], y)
        ch = fmt(inputs[0][1])
        if self.rel_pos_embed:
            return [f"params = class_token = {ch} = {fmt(c.trainable)}"]
        return [
            "params = class_token + spatial_pos + temporal_pos + class_pos = "
            f"{ch} + {h}·{w}·{ch} + {t}·{ch} + {ch} = {fmt(c.trainable)}"
        ]

    def saved(self, inputs: Sequence[Shape], y: Shape) -> tuple[Saved, ...] | None:
        return ()  # cat, expand, repeat_interleave and the sums keep sizes only

    def torch_module(self, x: Shape, y: Shape) -> str | None:
        # torch_helpers.PositionalEncoding: torchvision's parameters and forward
        grid = ntuple(self.grid, 3, "grid")
        kw = self.torch_kwargs("rel_pos_embed")
        return f"PositionalEncoding({pyargs(concrete(x[1], 'embed_size'), grid, **kw)})"
