"""relativepositionbias: refused. Its gather of the bias table by the int64 index buffer has
no CUDA step yet (docs/cuda.md); the attention around it (matmul, softmax) is refused too."""

from __future__ import annotations

from cnncalc.layers.relative_position_bias import RelativePositionBias

from ..lower import LOWERINGS

LOWERINGS.refuses(
    RelativePositionBias,
    reason="its gather of the bias table by the index buffer has no CUDA step yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
