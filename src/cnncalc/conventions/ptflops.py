"""ptflops' get_model_complexity_info (ptflops 0.7.x), its two backends; both report MACs.

`aten` (ptflops/aten_ops.py): a TorchDispatchMode over aten.mm, matmul, addmm, bmm and
convolution: their multiply-accumulates plus, for addmm and a convolution with a bias, one
per output element for the bias. Every other op counts 0.

`pytorch` (ptflops/pytorch_ops.py, pytorch_engine.py): forward hooks on the modules of its
table, plus patched torch.nn.functional calls counted wherever they are called:
- Conv1d/2d/3d, ConvTranspose…, Linear: the MACs, plus one per output element with a bias;
- ReLU, PReLU, ELU, LeakyReLU, ReLU6, GELU: their output's elements;
- MaxPool…, AvgPool…, AdaptiveMax/AvgPool… 1-3d: their input's elements;
- BatchNorm…, InstanceNorm…, GroupNorm, LayerNorm: the input's elements, twice if the
  module's `affine` is true (LayerNorm has `elementwise_affine` instead: never doubled);
- Upsample: the output's elements; any other module (Sigmoid, Tanh, SiLU, Hardswish,
  Flatten, cnncalc's own modules…): 0;
- the functions F.relu, prelu, elu, relu6, gelu, silu, softmax, avg_pool…, max_pool…,
  adaptive_avg/max_pool…: their input's elements (interpolate: its output's), on top of the
  hooks — so nn.ReLU, nn.ELU, nn.GELU, nn.SiLU's ReLU-like cousins with a hook, and every
  pooling module, count twice (their forward calls the patched function): flagged.
  `a + b` operators in forward are not patched (torch.add would be): 0."""

from __future__ import annotations

from cnncalc.conventions.base import Convention, Seen, elements, zero_for_macs
from cnncalc.layers.base import Op
from cnncalc.sym import Dim

CONVS = {f"Conv{n}d" for n in (1, 2, 3)} | {f"ConvTranspose{n}d" for n in (1, 2, 3)}
ACTIVATIONS = {"ReLU", "PReLU", "ELU", "LeakyReLU", "ReLU6", "GELU"}
POOLS = {
    f"{kind}{n}d"
    for n in (1, 2, 3)
    for kind in ("MaxPool", "AvgPool", "AdaptiveMaxPool", "AdaptiveAvgPool")
}
NORMS = {f"{k}{n}d" for n in (1, 2, 3) for k in ("BatchNorm", "InstanceNorm")}
NORMS |= {"GroupNorm", "LayerNorm"}
FUNCTIONS = {"relu", "prelu", "elu", "relu6", "gelu", "silu", "softmax"} | {
    f"{kind}_pool{n}d" for n in (1, 2, 3) for kind in ("avg", "max", "adaptive_avg", "adaptive_max")
}


def with_bias(op: Op) -> Dim:
    return op.macs + (elements(op.y) if op.bias else 0)


def hooked(op: Op) -> Dim:
    """A module hook's count (0 for a module without one, or a call outside a module)."""
    m = op.module
    if m in CONVS or m == "Linear":
        return with_bias(op)
    if m in ACTIVATIONS:
        return elements(op.y)
    if m in POOLS:
        return elements(op.x)
    if m in NORMS:  # doubled where the module has an `affine` (LayerNorm's is another name)
        return elements(op.x) * (2 if op.affine and m != "LayerNorm" else 1)
    if m == "Upsample":
        return elements(op.y)
    return 0


def patched(op: Op) -> Dim:
    """A patched function's count, wherever it is called."""
    return elements(op.x) if op.name in FUNCTIONS else 0


def pytorch(s: Seen) -> Dim | None:
    if s.ops is None:
        return None
    return sum((hooked(op) + patched(op) for op in s.ops), start=0)


def aten(s: Seen) -> Dim | None:
    if s.ops is None:
        return None
    return sum((with_bias(op) for op in s.ops if op.macs), start=0)


def twice(s: Seen) -> str | None:
    for op in s.ops or ():
        if op.module and hooked(op) and patched(op):
            return (
                f"ptflops (pytorch) counts {s.stats.name} twice:"
                f" the {op.module} hook and the patched F.{op.name} it calls"
            )
    return zero_for_macs(s, pytorch(s), "ptflops (pytorch)")


PYTORCH = Convention(
    "ptflops",
    "ptflops (pytorch backend)",
    "MACs",
    "module hooks + patched functions: bias, norms, activations, pools (some 2×)",
    pytorch,
    twice,
)
ATEN = Convention(
    "ptflops-aten",
    "ptflops (aten backend)",
    "MACs",
    "MACs of matmul/conv kernels + 1 per output element of a fused bias",
    aten,
    lambda s: zero_for_macs(s, aten(s), "ptflops (aten)"),
)
