"""W206: a layer whose output nobody reads."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule


class UnusedOutput(Rule):
    """A layer that is not an output and that no layer reads is dead weight.

    Its parameters and MACs are counted in every total, yet it contributes nothing: usually a
    branch whose merge was forgotten, or a `from:` that names the wrong layer. The finding
    points at the last layer of the dead branch (the layers before it are read by it).

    Bad::

        name: forgotten-branch
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {name: stem, type: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
          - {name: side, type: conv2d, out_channels: 16, kernel_size: 1}
          - {name: head, type: conv2d, out_channels: 16, kernel_size: 3, padding: 1, from: stem}

    Good::

        name: merged-branch
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {name: stem, type: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
          - {name: side, type: conv2d, out_channels: 16, kernel_size: 1}
          - {name: head, type: conv2d, out_channels: 16, kernel_size: 3, padding: 1, from: stem}
          - {name: sum, type: add, from: [head, side]}
    """

    code = "W206"
    name = "unused-output"
    severity = Severity.WARNING
    needs = "network"

    def check(self, ctx: Context) -> Iterator[Finding]:
        net = ctx.network
        assert net is not None
        read = ctx.consumers()
        for node in net.nodes:
            if node.name not in read and node.name not in net.outputs:
                yield self.at(
                    node,
                    "no layer reads this layer's output and it is not in outputs:",
                    "read it with from:, list it in outputs:, or remove it",
                )
