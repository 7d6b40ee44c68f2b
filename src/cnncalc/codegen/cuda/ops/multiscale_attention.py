"""multiscaleattention: refused. Its per-head matmuls, the decomposed relative position
gathered from its tables and the softmax over the pooled keys are not in the CUDA backend's
step vocabulary yet (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.multiscale_attention import MultiscaleAttention

from ..lower import LOWERINGS

LOWERINGS.refuses(
    MultiscaleAttention,
    reason="its per-head matmuls, relative position and softmax have no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
