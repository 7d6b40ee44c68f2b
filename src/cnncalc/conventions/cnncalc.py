"""cnncalc's own figures (docs/counting.md): MACs, the multiply-accumulates of the layers that
multiply inputs by weights, bias excluded, as the LeNet-5 paper's units compute them; FLOPs,
two per MAC. Defined for every layer kind."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen
from cnncalc.sym import Dim


def macs(s: Seen) -> Dim:
    return s.stats.counts.macs


def flops(s: Seen) -> Dim:
    return 2 * s.stats.counts.macs


MACS = Convention(
    "cnncalc-macs",
    "cnncalc MACs",
    "MACs",
    "one MAC per weight and output position; bias, norms, pooling, activations 0",
    macs,
    needs_ops=False,
)
FLOPS = Convention(
    "cnncalc-flops",
    "cnncalc FLOPs",
    "FLOPs",
    "2 × cnncalc MACs (a multiply and an add)",
    flops,
    needs_ops=False,
)
