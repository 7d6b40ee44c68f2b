"""calflops' calculate_flops (calflops 0.3.2, calflops/pytorch_ops.py, after DeepSpeed's
profiler), on a module in eval mode (calflops leaves the mode as it finds it). It patches
torch.nn.functional and a few tensor methods; each call is counted once, in the innermost
module running it (no module hooks for these layers). Its figure is FLOPs:
- F.conv1d/2d/3d: 2 × MACs + one per output element with a bias, over the output size it
  recomputes from the padding: "same" becomes ⌊dilation·(kernel − 1)/2⌋ a side, which is
  one position short on each axis where dilation·(kernel − 1) is odd (a known miscount);
- F.linear: 2 × MACs, the bias left out;
- F.relu, prelu, elu, leaky_relu, relu6, silu, gelu, softmax: the input's elements
  (nn.ReLU6 runs F.hardtanh, which it does not patch: 0);
- F.batch_norm with running statistics: the input's elements, twice if affine; with batch
  statistics, F.instance_norm, layer_norm, group_norm: 4 per element, 5 if affine;
- F.avg/max_pool…, adaptive_avg/max_pool…: the input's elements;
- anything else (sigmoid, tanh, hardswish, dropout, flatten, `a + b` in forward): 0."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, elements, zero_for_macs
from cnncalc.layers.base import Op
from cnncalc.sym import Dim

POINTWISE = {"relu", "prelu", "elu", "leaky_relu", "relu6", "silu", "gelu", "softmax"}
POOLS = {
    f"{kind}_pool{n}d" for n in (1, 2, 3) for kind in ("avg", "max", "adaptive_avg", "adaptive_max")
}
NORMS = {"batch_norm.training", "instance_norm", "layer_norm", "group_norm"}


def conv(op: Op) -> Dim:
    positions = elements(op.y[1:])
    if op.name.endswith(".same"):  # stride 1: the input size, less one where the span is even
        positions = elements(tuple(n - (s - 1) % 2 for n, s in zip(op.x[1:], op.span, strict=True)))
    per_position = op.macs // elements(op.y[1:])
    return 2 * per_position * positions + (op.y[0] * positions if op.bias else 0)


def op_count(op: Op) -> Dim:
    base = op.name.split(".")[0]
    if base in ("conv1d", "conv2d", "conv3d"):
        return conv(op)
    if op.name == "linear":
        return 2 * op.macs
    if op.name in POINTWISE or op.name in POOLS:
        return elements(op.x)
    if op.name == "batch_norm":
        return elements(op.x) * (2 if op.affine else 1)
    if op.name in NORMS:
        return elements(op.x) * (5 if op.affine else 4)
    return 0


def count(s: Seen) -> Dim | None:
    return None if s.ops is None else sum((op_count(op) for op in s.ops), start=0)


def short(s: Seen) -> str | None:
    for op in s.ops or ():
        if op.name.endswith(".same") and any((d - 1) % 2 for d in op.span):
            return f"calflops counts {s.stats.name}'s 'same' output one position short per axis"
    return zero_for_macs(s, count(s), "calflops")


CONVENTION = Convention(
    "calflops",
    "calflops",
    "FLOPs",
    "2 per MAC of F.conv/linear + conv bias, norms, activations, pools",
    count,
    short,
)
