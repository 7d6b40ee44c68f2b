"""shiftedwindowattentionv2: refused, as shiftedwindowattention (Swin v1) is: its windowed
per-head matmuls, cosine attention and softmax over a window's keys are not in the CUDA
backend's step vocabulary yet (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.swin_attention_v2 import ShiftedWindowAttentionV2

from ..lower import LOWERINGS

LOWERINGS.refuses(
    ShiftedWindowAttentionV2,
    reason="its windowed per-head matmuls and softmax over a window have no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
