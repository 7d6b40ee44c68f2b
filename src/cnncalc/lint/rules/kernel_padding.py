"""W203: padding as large as the kernel, or an even kernel with padding 'same'."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.layers.window import AXES
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule


class KernelPadding(Rule):
    """Padding that makes no sense for its kernel: as wide as the kernel, or uneven 'same'.

    With padding P ≥ F (the kernel's extent) the first (or last) window lies wholly in the
    padding: those output rows are the bias alone, computed from zeros, and only make the
    maps larger. An even kernel with padding `same` (or `tf_same`) cannot pad both sides
    equally: torch and TensorFlow put the extra row at the bottom and right, which shifts
    every output by half a pixel against the input — a classic source of misaligned skip
    connections and off-by-one detections. Use odd kernels with `same`, or write the
    padding out as [before, after] pairs if the asymmetry is meant.

    Bad::

        name: pads-too-much
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 1, padding: 1}   # a 1-pixel frame of bias

    Good::

        name: pads-to-keep-size
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {type: conv2d, out_channels: 16, kernel_size: 3, padding: 1}
    """

    code = "W203"
    name = "kernel-padding"
    severity = Severity.WARNING

    def check(self, ctx: Context) -> Iterator[Finding]:
        for s in ctx.stats():
            x = s.input_shapes[0]
            windows = s.node.layer.input_windows(x)
            if not windows:
                continue
            named = getattr(s.node.layer, "padding", None)
            axes = AXES[len(windows)]
            wide: list[str] = []
            for axis, w, n in zip(axes, windows, x[1:], strict=False):
                if not all(isinstance(v, int) for v in (n, w.before, w.after)):
                    continue
                assert isinstance(n, int) and isinstance(w.before, int) and isinstance(w.after, int)
                out = w.out(n)
                first = w.before >= w.span
                last = isinstance(out, int) and (out - 1) * w.stride >= w.before + n
                if first or last:
                    side = max(w.before, w.after)
                    wide.append(f"{axis}: padding {side} ≥ kernel extent {w.span}")
            if wide:
                yield self.at(
                    s.node,
                    f"{s.type} has windows that see only padding ({'; '.join(wide)}): "
                    "their outputs are the bias alone",
                    "use padding below the kernel extent (for a kept size: (kernel − 1)/2)",
                    "padding",
                )
                continue
            if named in ("same", "tf_same"):
                even = [
                    f"{a} = {w.span}"
                    for a, w in zip(axes, windows, strict=False)
                    if w.span % 2 == 0
                ]
                if even:
                    pads = ", ".join(
                        f"{a}: {w.before} before, {w.after} after"
                        for a, w in zip(axes, windows, strict=False)
                    )
                    yield self.at(
                        s.node,
                        f"padding {named} with an even kernel extent ({', '.join(even)}) "
                        f"pads unevenly ({pads}): the output is shifted half a pixel",
                        "use an odd kernel, or write the padding as [before, after] pairs if meant",
                        "padding",
                    )
