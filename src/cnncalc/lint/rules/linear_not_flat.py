"""W205: a layer meant for flat features (linear) fed a tensor that is not flat."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.layers.base import fmt, numel, shape_str
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule


class LinearNotFlat(Rule):
    """`linear` fed a tensor that is not flat acts on its last dimension only.

    torch's Linear multiplies the last dimension and repeats over all the others, so a
    `linear` after a convolution, without a `flatten`, is legal and computes something else
    than intended: on 16×24×24 maps it mixes the 24 columns of each row (in_features 24)
    instead of all 9,216 features. The parameter count looks plausible, and the mistake shows
    only as a wrong output shape much later.

    Bad::

        name: no-flatten
        input: {channels: 1, height: 28, width: 28}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 5}
          - {type: linear, out_features: 10}

    Good::

        name: flatten-first
        input: {channels: 1, height: 28, width: 28}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 5}
          - {type: flatten}
          - {type: linear, out_features: 10}
    """

    code = "W205"
    name = "linear-not-flat"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.stats():
            x = s.input_shapes[0]
            if s.node.layer.WANTS_FLAT and len(x) > 1:
                yield self.at(
                    s.node,
                    f"{s.type} gets a {shape_str(x)} tensor: it acts on the last dimension "
                    f"({fmt(x[-1])}) at every other position, not on all {fmt(numel(x))} features",
                    "insert {type: flatten} before it",
                )
