"""batchnorm (inference): y = x·scale[c] + shift[c], scale = γ/√(var + ε), shift = β − mean·scale,
computed at load time in double precision. The fusion pass folds it into the convolution or
linear layer before it where it can (their weights and bias are rescaled at load time)."""

from __future__ import annotations

from cnncalc.layers.norm_batch import BatchNorm

from ..cstyle import prod
from ..ir import Buf, Prep
from ..lower import Ctx, Shape, Unsupported, lowers


@lowers(BatchNorm)
def batchnorm(ctx: Ctx, layer: BatchNorm, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    if not layer.track_running_stats:
        raise Unsupported(
            "batchnorm with track_running_stats: false normalizes with the batch's statistics "
            "even at inference; the CUDA backend computes each sample on its own",
            "track_running_stats",
        )
    x = xs[0]
    c = x[0]
    state = ctx.state(layer, x, y)
    gamma = state["weight"].offset if layer.affine else -1
    beta = state["bias"].offset if layer.affine else -1
    mean = state["running_mean"].offset
    var = state["running_var"].offset
    scale, shift = ctx.slot(c), ctx.slot(c)
    prep = [Prep("bn", (scale, shift, c, gamma, beta, mean, var, float(layer.eps)))]
    inner = prod(x[1:])
    ch = "i" if inner == 1 else f"i / {inner}"
    out = ctx.pointwise(ins[0], [f"v = v * W[{scale} + {ch}] + W[{shift} + {ch}];"], prep)
    ctx.steps[-1].affine = (scale, shift, c)
    return out
