"""positionalencoding: refused. Its class token joined first and its positions repeated over
frames and positions are not in the CUDA backend's step vocabulary yet (docs/cuda.md)."""

from __future__ import annotations

from cnncalc.layers.positional_encoding import PositionalEncoding

from ..lower import LOWERINGS

LOWERINGS.refuses(
    PositionalEncoding,
    reason="its class token and repeated positions have no CUDA steps yet",
    hint="generate PyTorch for this spec (cnncalc codegen torch)",
)
