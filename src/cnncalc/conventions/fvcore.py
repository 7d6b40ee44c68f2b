"""fvcore's FlopCountAnalysis (fvcore/nn/flop_count.py, jit_handles.py), on a module in eval
mode. It traces the model with torch.jit and counts one "flop" per multiply-accumulate of
aten::_convolution, addmm, mm, bmm, matmul, linear (bias excluded); aten::batch_norm (eval)
its input's elements, twice with an affine scale and shift; aten::batch_norm with batch
statistics (no running ones: training is true even in eval mode), aten::instance_norm, group_norm,
layer_norm 4 per input element, 5 with an affine scale and shift; aten::adaptive_avg_pool2d its
input's elements (only the 2-d op: the 1-d and 3-d ones, like every op without a handle —
relu, pooling, add — count 0, with a warning it skips). A convolution given its padding
by name ('same', 'valid') is traced as aten::_convolution_mode, which has no handle: 0."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, elements, zero_for_macs
from cnncalc.layers.base import Op
from cnncalc.sym import Dim


def op_count(op: Op) -> Dim:
    if op.name == "batch_norm":
        return elements(op.x) * (2 if op.affine else 1)
    if op.name in ("batch_norm.training", "instance_norm", "group_norm", "layer_norm"):
        return elements(op.x) * (5 if op.affine else 4)  # "5 is just a rough estimate"
    if op.name == "adaptive_avg_pool2d":
        return elements(op.x)
    if op.name.endswith((".same", ".valid")):
        return 0  # traced as aten::_convolution_mode, which has no handle
    return op.macs


def count(s: Seen) -> Dim | None:
    return None if s.ops is None else sum((op_count(op) for op in s.ops), start=0)


CONVENTION = Convention(
    "fvcore",
    "fvcore FlopCountAnalysis",
    "MACs",
    "1 per MAC of matmul/conv kernels + norms, 2-d adaptive avg pool; no bias",
    count,
    lambda s: zero_for_macs(s, count(s), "fvcore"),
)
