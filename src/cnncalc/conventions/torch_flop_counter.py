"""torch.utils.flop_counter.FlopCounterMode (torch's own): counts at the aten level, only
matmul and convolution kernels (mm, addmm, bmm, baddbmm, convolution, scaled dot-product
attention's math kernel), 2 FLOPs per multiply-accumulate; bias additions, norms, pooling,
activations and elementwise ops count 0. A layer computed without such a kernel (LeNet's
subsampling and RBF units, cnncalc's own modules of operators) counts 0; a partial
connection table counts the full kernel torch multiplies (the table's zeros included)."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, kernel_macs, zero_for_macs
from cnncalc.sym import Dim


def count(s: Seen) -> Dim | None:
    m = kernel_macs(s)
    return None if m is None else 2 * m


CONVENTION = Convention(
    "torch",
    "torch FlopCounterMode",
    "FLOPs",
    "2 per MAC of matmul/convolution kernels; bias and every other op 0",
    count,
    lambda s: zero_for_macs(s, count(s), "FlopCounterMode"),
)
