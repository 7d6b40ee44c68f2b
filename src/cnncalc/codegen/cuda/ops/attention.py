"""multiheadattention: refused. Its per-head matmuls and its softmax over the keys are not in
the CUDA backend's step vocabulary yet (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.attention import MultiheadAttention

from ..lower import LOWERINGS

LOWERINGS.refuses(
    MultiheadAttention,
    reason="its per-head matmuls and softmax over the keys have no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
