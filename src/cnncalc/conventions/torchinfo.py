"""torchinfo's summary "Total mult-adds" (torchinfo 1.8, layer_info.py `calculate_macs`,
model_statistics.py): summed over leaf modules, from their parameters only. A parameter
named `weight` or `bias` counts its elements × the output's positions (batch × spatial,
channels left out) in a module whose class name contains "Conv", and its elements × the
batch in any other; other parameters with "weight" or "bias" in their name count × batch ×
the output's first dimension. So the bias is included; a Linear on a sequence (…×L×in)
counts its weights once, not once per position (a known miscount); modules without
parameters (pooling, activations, norms without affine) and functions count 0."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, elements, zero_for_macs
from cnncalc.sym import Dim


def count(s: Seen) -> Dim | None:
    if s.ops is None:
        return None
    owner, y = s.owner or "", s.stats.output_shape
    total: Dim = 0
    for t in s.params:
        n = elements(t.shape)
        if t.name in ("weight", "bias"):
            total = total + (n * elements(y[1:]) if "Conv" in owner else n)
        elif "weight" in t.name or "bias" in t.name:
            total = total + n * y[0]
    return total


def per_position(s: Seen) -> str | None:
    x = s.stats.input_shapes[0] if s.stats.input_shapes else ()
    if s.owner == "Linear" and len(x) > 1:
        n = elements(x[:-1])
        return f"torchinfo counts {s.stats.name}'s weights once, not at each of its {n} positions"
    return zero_for_macs(s, count(s), "torchinfo")


CONVENTION = Convention(
    "torchinfo",
    "torchinfo Mult-Adds",
    "MACs",
    "params × output positions in Conv modules, × 1 in others: bias included",
    count,
    per_position,
)
