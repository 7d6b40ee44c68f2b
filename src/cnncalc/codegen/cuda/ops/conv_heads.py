"""headwiseconv3d: refused. It is a Conv3d over each head of a heads×C×T×H×W tensor; conv's
lowering would read it as one convolution of heads·C channels, so it is refused on its own
class rather than reached through Conv's (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.conv_heads import HeadwiseConv

from ..lower import LOWERINGS

LOWERINGS.refuses(
    HeadwiseConv,
    reason="its convolution over each head (heads folded into the batch) has no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
