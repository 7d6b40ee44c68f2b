"""Fold a report to N levels of blocks, as torchinfo's depth does: a block instance or group
at level N or above shows as one row holding the subtotal of everything inside it, and each
shown block gets a subtotal row above its rows. Rows of level 0 add up to the totals."""

from __future__ import annotations

from dataclasses import dataclass

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import UsageError
from cnncalc.layers.base import Counts, Layer
from cnncalc.spec.network import Node
from cnncalc.sym import Dim


class Subtotal(Layer):
    """The layer of a folded row: `type` is the block's name (or group); not a spec type."""


@dataclass
class FoldedReport(Report):
    full: Report | None = None  # the unfolded report (memory figures count every layer once)

    @property
    def activation_elements(self) -> Dim:
        return self.full.activation_elements if self.full is not None else 0


def fold(report: Report, depth: int) -> FoldedReport:
    """Rows to `depth` levels: layers and blocks enclosed by fewer than `depth` blocks show;
    deeper layers fold into their block at level depth - 1."""
    if depth < 1:
        raise UsageError(f"--depth {depth}: give 1 or more (1 = top-level layers and blocks)")
    net = report.network
    by_name = {s.name: s for s in report.layers}
    rows: list[LayerStats] = []
    groups: dict[str, int] = {}  # block path -> index of its row
    sums: dict[str, Counts] = {}
    for s in report.layers:
        scope = s.node.scope
        for n in range(1, min(len(scope), depth) + 1):
            path = ".".join(scope[:n])
            sums[path] = sums.get(path, Counts()) + s.counts
            if path not in groups:
                groups[path] = len(rows)
                rows.append(s)  # placeholder, replaced below
        if len(scope) < depth:
            rows.append(s)
    for path, i in groups.items():
        first = rows[i]
        out = by_name.get(net.aliases.get(path, ""))
        shape = out.output_shape if out is not None else first.output_shape
        node = first.node
        n = path.count(".") + 1
        layer = Subtotal(type=net.scopes.get(path, "block"))
        sub = Node(path, layer, node.inputs, node.doc, node.path, node.scope[: n - 1])
        rows[i] = LayerStats(sub, first.input_shapes, shape, sums[path])
    return FoldedReport(
        report.network, report.input_shape, rows, report.totals, report.outputs, full=report
    )
