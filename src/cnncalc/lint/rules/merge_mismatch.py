"""W204: merge inputs that only fit by broadcasting, or whose sizes may differ."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from cnncalc.layers.base import fmt, shape_str
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Option, Rule


def _bool(v: object) -> bool:
    if not isinstance(v, bool):
        raise ValueError(f"must be true or false, got {v!r}")
    return v


class MergeMismatch(Rule):
    """Merged inputs whose channels or features fit only by accident.

    Shapes that plainly disagree are errors (E102), and so are inputs of different ranks
    (torch would broadcast the batch against another axis). This rule catches what torch
    would accept silently: a branch of 1 channel (or feature) broadcast against many, usually
    a projection left out; and sizes that agree only for some inputs (H against 32 in a
    symbolic spec). Spatial broadcasting (C×1×1 against C×H×W, as squeeze-and-excitation
    does) is fine. Set `channel-broadcast: false` for networks that broadcast 1-channel maps
    on purpose (spatial attention).

    Bad::

        name: one-channel-shortcut
        input: {channels: 1, height: 32, width: 32}
        layers:
          - {name: a, type: conv2d, out_channels: 64, kernel_size: 3, padding: 1}
          - {name: sum, type: add, from: [a, input]}   # 1 channel broadcast to 64

    Good::

        name: projected-shortcut
        input: {channels: 1, height: 32, width: 32}
        layers:
          - {name: a, type: conv2d, out_channels: 64, kernel_size: 3, padding: 1}
          - {name: proj, type: conv2d, out_channels: 64, kernel_size: 1, from: input}
          - {name: sum, type: add, from: [a, proj]}
    """

    code = "W204"
    name = "merge-mismatch"
    severity = Severity.WARNING
    options: ClassVar[dict[str, Option]] = {
        "channel-broadcast": Option(True, "report a 1-channel input broadcast against many", _bool)
    }

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.stats():
            shapes = s.input_shapes
            if len(shapes) < 2:
                continue
            names = " and ".join(
                f"{n} ({shape_str(x)})" for n, x in zip(s.node.inputs, shapes, strict=True)
            )
            faults: list[str] = []
            for agree in s.node.layer.agreements(shapes):
                sizes = [shapes[j][k] for j, k in agree.places]
                if len(sizes) < 2:
                    continue
                j, axis = agree.places[0]
                ints = [d for d in sizes if isinstance(d, int)]
                what = s.node.layer.axis_label(len(shapes[j]), axis)
                if (
                    axis == 0
                    and not agree.batch
                    and self.opts["channel-broadcast"]
                    and 1 in ints
                    and any(d > 1 for d in ints)
                ):
                    faults.append(
                        f"{what} {' vs '.join(fmt(d) for d in sizes)} only fit by broadcasting 1"
                    )
                    continue
                full = [d for d in sizes if not agree.broadcast or d != 1]  # 1 broadcasts: add/mul
                if any(not isinstance(d, int) for d in full) and any(d != full[0] for d in full):
                    faults.append(
                        f"{what} {' vs '.join(fmt(d) for d in sizes)} agree only for some inputs"
                    )
            if faults:
                yield self.at(
                    s.node,
                    f"merging {names}: {'; '.join(faults)}",
                    "project the branch to the same size (a 1×1 convolution or a linear), "
                    "or fix the input sizes",
                    "from",
                )
