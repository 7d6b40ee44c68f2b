"""thop's profile (thop 0.1.1, thop/profile.py register_hooks, vision/basic_hooks.py,
calc_func.py), on the module in eval mode: forward hooks on the modules of its table, summed
as float64; functions called in forward, and modules without a rule, count 0.
- Conv…, ConvTranspose…: output elements × (input channels / groups) × kernel taps, bias
  excluded (for a transposed convolution this is not its MACs: a known miscount);
- Linear: in_features × output elements (bias excluded);
- BatchNorm…, InstanceNorm…, LayerNorm: 2 × input elements, ×2 again if affine;
- PReLU: input elements; ReLU, ReLU6, LeakyReLU, MaxPool…, AdaptiveMaxPool…, Dropout: 0;
- AvgPool…: output elements; AdaptiveAvgPool…: int((Π input/output sizes + 1) × output
  elements), in floating point;
- Upsample: output elements (×5 linear, ×11 bilinear, ×259 bicubic, ×31 trilinear)."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, elements, zero_for_macs
from cnncalc.layers.base import Op, concrete
from cnncalc.sym import Dim

CONVS = {f"Conv{n}d" for n in (1, 2, 3)}
TRANSPOSED = {f"ConvTranspose{n}d" for n in (1, 2, 3)}
NORMS = {f"{k}{n}d" for n in (1, 2, 3) for k in ("BatchNorm", "InstanceNorm")} | {"LayerNorm"}
AVG = {f"AvgPool{n}d" for n in (1, 2, 3)}
ADAPTIVE_AVG = {f"AdaptiveAvgPool{n}d" for n in (1, 2, 3)}


def adaptive(op: Op) -> int:
    ratio = 1.0  # torch.prod of float64 ratios, as thop computes the window
    for i, o in zip(op.x[1:], op.y[1:], strict=True):
        ratio *= concrete(i, "the input size") / concrete(o, "the output size")
    return int((ratio + 1) * concrete(elements(op.y), "the output size"))


def op_count(op: Op) -> Dim:
    m = op.module
    if m in CONVS or m == "Linear":
        return op.macs
    if m in TRANSPOSED:  # out · in/groups · taps, as if it were a forward convolution
        return op.macs * elements(op.y[1:]) // elements(op.x[1:])
    if m in NORMS:
        return 2 * elements(op.x) * (2 if op.affine else 1)
    if m == "PReLU":
        return elements(op.x)
    if m in AVG:
        return elements(op.y)
    if m in ADAPTIVE_AVG:
        return adaptive(op)
    return 0


def count(s: Seen) -> Dim | None:
    return None if s.ops is None else sum((op_count(op) for op in s.ops), start=0)


CONVENTION = Convention(
    "thop",
    "thop profile",
    "MACs",
    "MACs of nn.Conv/Linear (no bias) + norms, avg pooling; functions count 0",
    count,
    lambda s: zero_for_macs(s, count(s), "thop"),
)
