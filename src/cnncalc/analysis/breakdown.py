"""Group a report's layers (`cnncalc params --by`): by layer kind, or by block to a depth.
Each group sums its layers' parameters, MACs and activations (output elements); the groups
add up to the report's totals. No text here."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import UsageError
from cnncalc.sym import Dim

OUTSIDE = "(outside blocks)"


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    layers: int
    params: Dim
    macs: Dim
    activation_elements: Dim  # every layer's output, once (as memory's activation bytes)


def _sum(name: str, rows: list[LayerStats]) -> Group:
    params: Dim = 0
    macs: Dim = 0
    acts: Dim = 0
    for s in rows:
        params, macs, acts = (
            params + s.counts.params,
            macs + s.counts.macs,
            acts + s.output_elements,
        )
    return Group(name, len(rows), params, macs, acts)


def _groups(keys: list[tuple[str, LayerStats]]) -> list[Group]:
    found: dict[str, list[LayerStats]] = {}
    for k, s in keys:
        found.setdefault(k, []).append(s)  # in order of first appearance
    return [_sum(k, rows) for k, rows in found.items()]


def by_type(report: Report) -> list[Group]:
    """One group per layer kind (the layer's `kind`: conv, linear, norm_batch, …); a layer's
    `activation:` shorthand counts with it."""
    return _groups([(s.node.layer.kind, s) for s in report.layers])


def by_block(report: Report, depth: int = 1) -> list[Group]:
    """One group per block instance (or group) `depth` levels deep; layers enclosed by fewer
    blocks make one group of their own."""
    if depth < 1:
        raise UsageError(f"--depth {depth}: give 1 or more (1 = the top-level blocks)")
    return _groups(
        [(".".join(s.node.scope[:depth]) if s.node.scope else OUTSIDE, s) for s in report.layers]
    )
