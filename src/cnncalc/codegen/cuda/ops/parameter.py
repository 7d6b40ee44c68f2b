"""parameter: refused. Not lowered to CUDA yet (its tensor would be one more weights-file
entry, read broadcast by a pointwise step; concat, a copy into a slice)."""

from __future__ import annotations

from cnncalc.layers.parameter import Parameter

from ..lower import LOWERINGS

LOWERINGS.refuses(
    Parameter,
    reason="a learnable tensor of the network's own (parameter) is not lowered to CUDA yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
