"""Receptive field, jump and offset of every layer, along each spatial axis of the input.

Positions are the network input's pixel indices, unclipped: a field may reach into the padding
(below 0, past the end). Each layer says which of its input's positions an output position
reads (`Layer.reads`); chaining those gives, for every output position, the first and last
input pixel it depends on, through every path (a merge takes the union: the largest field).

A network is shift-periodic: moving the input by m pixels moves a layer's grid by m/jump
positions once m/jump is whole for every layer on the way. So a layer is described exactly by
the fields of its first T = m/jump outputs (T = 1 when every jump is a whole number), and the
others follow: field(o + T) = field(o) + m. Transposed convolutions and upsampling have
jumps below 1 and fields that differ from one output to the next; the size reported is the
largest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as derived
from fractions import Fraction

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.layers.base import Layer, Reads, Shape
from cnncalc.spec.network import INPUT
from cnncalc.sym import Dim

MAX_PERIOD = 4096  # output positions per period worth tracing; longer ones are reported n/a
WHOLE = "whole input"

Span = tuple[int, int] | None  # first and last input pixel, None: depends on none


@dataclass(frozen=True, slots=True)
class AxisField:
    """One spatial axis of a layer's receptive field. size None: not defined (see note);
    jump and center None also for a field that is the whole input."""

    size: Dim | None  # the largest field over output positions, in input pixels
    jump: Fraction | None  # input pixels between neighbouring output positions
    center: Fraction | None  # the center of output position 0's field
    note: str = ""  # WHOLE, or why the field is not defined

    @property
    def whole(self) -> bool:
        return self.note == WHOLE


@dataclass(frozen=True, slots=True)
class FieldMap:
    """Fields of output positions: table[o] for o < T, then field(o + T) = field(o) + m."""

    jump: Fraction
    m: int
    table: tuple[Span, ...]
    # per r < T: how many positions from r forward (backward) to the nearest one that depends
    # on anything, wrapping around the period; empty when none does. Long runs of positions
    # that read nothing (a transposed conv's stride past its kernel) then cost cover nothing.
    ahead: tuple[int, ...] = derived(init=False, repr=False, compare=False)
    behind: tuple[int, ...] = derived(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ahead", _distances(self.table))
        object.__setattr__(self, "behind", _distances(self.table[::-1])[::-1])

    def span(self, p: int) -> Span:
        q, r = divmod(p, len(self.table))
        s = self.table[r]
        return None if s is None else (s[0] + q * self.m, s[1] + q * self.m)

    def cover(self, first: int, last: int) -> Span:
        """The union of the fields of positions first..last (each side from its nearest
        position that depends on anything: those are monotone in the position)."""
        if not self.ahead:
            return None
        t = len(self.table)
        a, b = first + self.ahead[first % t], last - self.behind[last % t]
        if a > last:  # nothing in first..last depends on anything
            return None
        lo, hi = self.span(a), self.span(b)
        assert lo is not None and hi is not None
        return lo[0], hi[1]


def _distances(table: Sequence[Span]) -> tuple[int, ...]:
    """For each index: how far forward (cyclically) the nearest non-None entry lies."""
    t = len(table)
    if all(s is None for s in table):
        return ()
    out = [0] * t
    gap = t  # larger than any distance: replaced on the first lap's first non-None entry
    for i in range(2 * t - 1, -1, -1):  # two laps backward: entries near the end wrap around
        gap = 0 if table[i % t] is not None else gap + 1
        if i < t:
            out[i] = gap
    return tuple(out)


State = FieldMap | str  # a str: WHOLE, or why the field is not defined


def receptive_fields(report: Report) -> dict[str, tuple[AxisField, ...]]:
    """Every layer's field per spatial axis of the network input (none for a flat input)."""
    sizes = report.input_shape[1:]
    return {
        name: tuple(_field(st, n) for st, n in zip(row, sizes, strict=True))
        for name, row in trace(report).items()
        if name != INPUT
    }


def trace(report: Report) -> dict[str, tuple[State, ...]]:
    """Per layer and spatial axis: a FieldMap (`.span(o)`: the first and last input pixel
    output position o depends on), WHOLE, or why the field is not defined."""
    axes = len(report.input_shape) - 1
    states: dict[str, tuple[State, ...]] = {INPUT: (FieldMap(Fraction(1), 1, ((0, 0),)),) * axes}
    for s in report.layers:
        states[s.name] = tuple(_through(s, states, a) for a in range(axes))
    return states


def _through(s: LayerStats, states: Mapping[str, tuple[State, ...]], axis: int) -> State:
    """The state after the layer (and its `activation:`, which keeps the shape) on one axis."""
    layer, y = s.node.layer, s.output_shape
    state = _step(layer, [states[i][axis] for i in s.node.inputs], s.input_shapes, y, axis)
    if layer.activation is not None:
        state = _step(layer.activation, [state], [y], y, axis)
    return state


def _step(
    layer: Layer, inputs: Sequence[State], shapes: Sequence[Shape], y: Shape, axis: int
) -> State:
    if WHOLE in inputs:  # a field holding the whole input stays whole
        return WHOLE
    reasons = [i for i in inputs if isinstance(i, str)]
    if reasons:
        return reasons[0]
    maps = [i for i in inputs if isinstance(i, FieldMap)]
    reads: list[Reads] = []
    for x in shapes:
        r = layer.reads(x, y, axis)
        if r is None or isinstance(r, str):
            return WHOLE if r is None else r
        reads.append(r)
    jumps = {m.jump * r.step for m, r in zip(maps, reads, strict=True)}
    if len(jumps) > 1:
        return "inputs on different grids"
    (jump,) = jumps
    period = math.lcm(*(m.m for m in maps), jump.numerator)
    positions = period * jump.denominator // jump.numerator
    if positions > MAX_PERIOD:
        return f"fields repeat only every {positions:,} positions"
    table: list[Span] = []
    for o in range(positions):
        spans = []
        for m, r in zip(maps, reads, strict=True):
            at = r.span(o)
            if at is None:
                continue
            if not isinstance(at[0], int) or not isinstance(at[1], int):
                return "the padding depends on the symbolic input size"
            if (c := m.cover(at[0], at[1])) is not None:
                spans.append(c)
        table.append((min(a for a, _ in spans), max(b for _, b in spans)) if spans else None)
    return FieldMap(jump, period, tuple(table))


def _field(state: State, n: Dim) -> AxisField:
    if state == WHOLE:
        return AxisField(n, None, None, WHOLE)
    if isinstance(state, str):
        return AxisField(None, None, None, state)
    sizes = [b - a + 1 for s in state.table if s is not None for a, b in (s,)]
    first = state.table[0]
    center = None if first is None else Fraction(first[0] + first[1], 2)
    return AxisField(max(sizes) if sizes else 0, state.jump, center)


@dataclass(frozen=True, slots=True)
class FieldStats(LayerStats):
    """A report row with its receptive field per spatial axis (`cnncalc params --rf`)."""

    field: tuple[AxisField, ...] = ()


def with_fields(report: Report, fields: Mapping[str, tuple[AxisField, ...]]) -> Report:
    """The report with each row's field; a folded block's row has its output layer's."""
    aliases = report.network.aliases
    rows: list[LayerStats] = []
    for s in report.layers:
        f = fields.get(s.name) or fields.get(aliases.get(s.name, ""), ())
        rows.append(FieldStats(s.node, s.input_shapes, s.output_shape, s.counts, f))
    return replace(report, layers=rows)
