"""matmul: refused. A product of two computed tensors (no weights) has no CUDA step yet: the
backend's matrix step (Gemm) multiplies by an uploaded weight matrix (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.matmul import MatMul

from ..lower import LOWERINGS

LOWERINGS.refuses(
    MatMul,
    reason="a product of two computed tensors has no CUDA step yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
