"""Layers that move no data at inference: flatten, unflatten and reshape (a contiguous sample
keeps its memory order), identity, dropout and stochastic depth (identity in eval mode).
Their output is their input's buffer."""

from __future__ import annotations

from cnncalc.layers.dropout import Dropout
from cnncalc.layers.flatten import Flatten
from cnncalc.layers.identity import Identity
from cnncalc.layers.reshape import Reshape
from cnncalc.layers.stochastic_depth import StochasticDepth
from cnncalc.layers.unflatten import Unflatten

from ..ir import Buf
from ..lower import Ctx, Shape, lowers


@lowers(Flatten, Reshape, Identity, Dropout, StochasticDepth, Unflatten)
def view(ctx: Ctx, layer: object, xs: list[Shape], y: Shape, ins: list[Buf]) -> Buf:
    return ins[0]
