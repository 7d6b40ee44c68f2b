"""W201: a sliding window that leaves the last input rows or columns unread."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.layers.window import AXES
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule

UNITS = {"L": "position", "D": "slice", "H": "row", "W": "column"}


class WindowDropsInput(Rule):
    """A window whose stride does not fit the input silently drops its last rows or columns.

    The output size is N = ⌊(W + P_before + P_after − F)/S⌋ + 1: when S does not divide
    W + P_before + P_after − F, the floor discards the remainder, and if that remainder reaches
    past the padding into the input, those rows/columns are read by no window — the network
    never sees them, and nothing fails. (Gaps that recur between every two windows, as with a
    1×1 stride-2 convolution, are the layer's design and not reported; neither is ceil_mode.)

    Bad::

        name: drops-a-row
        input: {channels: 1, height: 28, width: 28}
        layers:
          - {type: conv2d, out_channels: 8, kernel_size: 3}   # 26×26
          - {type: maxpool2d, kernel_size: 2}                 # 13×13
          - {type: maxpool2d, kernel_size: 2}                 # 6×6: row and column 13 unread

    Good::

        name: reads-every-row
        input: {channels: 1, height: 28, width: 28}
        layers:
          - {type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}   # 28×28
          - {type: maxpool2d, kernel_size: 2}                             # 14×14
          - {type: maxpool2d, kernel_size: 2}                             # 7×7
    """

    code = "W201"
    name = "window-drops-input"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.stats():
            x = s.input_shapes[0]
            windows = s.node.layer.input_windows(x)
            if not windows:
                continue
            lost: list[str] = []
            fixes: list[str] = []
            for axis, w, n in zip(AXES[len(windows)], windows, x[1:], strict=False):
                if w.ceil_mode or not all(isinstance(v, int) for v in (n, w.before, w.after)):
                    continue  # ceil_mode covers the tail; symbolic sizes: no fixed remainder
                assert isinstance(n, int) and isinstance(w.before, int) and isinstance(w.after, int)
                reach = n + w.before + w.after - w.span
                if reach < 0:
                    continue
                r = reach % w.stride
                dropped = r - w.after
                if dropped <= max(0, w.stride - w.span):  # no worse than the gaps between windows
                    continue
                unit = UNITS[axis] if dropped == 1 else f"{dropped} {UNITS[axis]}s"
                pads = "".join(f" + {v}" for v in (w.before, w.after) if v)
                lost.append(
                    f"the last {unit} of {axis} = {n} ({n}{pads} − {w.span} = {reach} = "
                    f"{reach // w.stride}·{w.stride} + {r})"
                )
                fixes.append(f"{axis} = {n + w.stride - r}")  # the next size with no remainder
            if lost:
                can_ceil = "ceil_mode" in type(s.node.layer).model_fields
                hint = "pad the tail (padding: [[before, after], …])"
                hint += ", set ceil_mode: true" if can_ceil else ""
                hint += f", change kernel or stride, or make its input {', '.join(fixes)}"
                yield self.at(s.node, f"{s.type} never reads " + "; ".join(lost), hint, "stride")
