"""shiftedwindowattention (and shiftedwindowattention3d, its subclass: the refusal reaches it
through the class hierarchy): refused. Its windowed per-head matmuls, the relative position
bias gathered from its table and the softmax over a window's keys are not in the CUDA
backend's step vocabulary yet (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.swin_attention import ShiftedWindowAttention

from ..lower import LOWERINGS

LOWERINGS.refuses(
    ShiftedWindowAttention,
    reason="its windowed per-head matmuls and softmax over a window have no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
