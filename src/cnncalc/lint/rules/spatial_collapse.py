"""W202: the feature maps shrink to 1×1 while windowed layers still follow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from cnncalc.layers.base import Shape, shape_str
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Option, Rule


def _size(v: object) -> Any:
    if type(v) is not int or v < 1:
        raise ValueError(f"min-size must be a positive integer, got {v!r}")
    return v


class SpatialCollapse(Rule):
    """The spatial size collapses to 1 while convolutions or pooling still follow.

    Downsampling one stage too many (a 32×32 input through five stride-2 stages, a network
    copied from 224×224 to 28×28) leaves maps of 1×1, and every later k×k kernel then reads
    one position and padding: its weights are mostly dead and the stage adds nothing. The
    finding points at the layer where the maps collapse and names the windowed layers after
    it. Ending a network with global pooling (or 1×1 layers on 1×1 maps, as
    squeeze-and-excitation does) is fine.

    Bad::

        name: collapses-early
        input: {channels: 3, height: 16, width: 16}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
          - {type: maxpool2d, kernel_size: 4}     # 4×4
          - {type: maxpool2d, kernel_size: 4}     # 1×1
          - {type: conv2d, out_channels: 32, kernel_size: 3, padding: 1}

    Good::

        name: pools-at-the-end
        input: {channels: 3, height: 16, width: 16}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
          - {type: maxpool2d, kernel_size: 4}     # 4×4
          - {type: conv2d, out_channels: 32, kernel_size: 3, padding: 1}
          - {type: adaptiveavgpool2d, output_size: 1}
    """

    code = "W202"
    name = "spatial-collapse"
    severity = Severity.WARNING
    options: ClassVar[dict[str, Option]] = {
        "min-size": Option(1, "a spatial size at or below this counts as collapsed", _size)
    }

    def collapsed(self, shape: Shape) -> bool:
        spatial = shape[1:]
        return len(shape) >= 2 and all(
            isinstance(d, int) and d <= self.opts["min-size"] for d in spatial
        )

    def check(self, ctx: Context) -> Iterator[Finding]:
        stats = {s.name: s for s in ctx.stats()}
        consumers = ctx.consumers()
        for s in ctx.stats():
            if not self.collapsed(s.output_shape) or any(self.collapsed(x) for x in s.input_shapes):
                continue
            later: list[str] = []  # windowed layers downstream that still read collapsed maps
            seen: set[str] = set()
            todo = list(consumers.get(s.name, []))
            while todo:
                name = todo.pop(0)
                if name in seen or name not in stats:
                    continue
                seen.add(name)
                t = stats[name]
                x = t.input_shapes[0]
                if not self.collapsed(x):
                    continue
                if any(w.span > 1 for w in t.node.layer.input_windows(x)):
                    later.append(name)
                todo.extend(consumers.get(name, []))
            if later:
                shown = ", ".join(later[:3]) + (
                    f" and {len(later) - 3} more" if len(later) > 3 else ""
                )
                yield self.at(
                    s.node,
                    f"the maps collapse to {shape_str(s.output_shape[1:])} here, yet {shown} "
                    f"still {'slides' if len(later) == 1 else 'slide'} a window over them",
                    "remove a downsampling stage, use a larger input, or end with global pooling",
                )
