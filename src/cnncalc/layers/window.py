"""Sliding-window arithmetic shared by convolution, pooling and subsampling.

N = ⌊(W − F + P_before + P_after)/S⌋ + 1 with F = D·(K − 1) + 1, over ints or symbols.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from cnncalc.errors import LayerError
from cnncalc.layers.base import Reads, Shape, fmt, require_positive
from cnncalc.sym import Dim, ceildiv, dmax, dmin, floordiv

AXES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True, slots=True)
class Window:
    """One spatial axis of a window: kernel, stride, padding on each side, dilation."""

    kernel: int
    stride: int
    before: Dim
    after: Dim
    dilation: int = 1
    ceil_mode: bool = False

    @property
    def span(self) -> int:
        return self.dilation * (self.kernel - 1) + 1

    def out(self, n: Dim) -> Dim:
        reach = n + self.before + self.after - self.span
        if not self.ceil_mode:
            return floordiv(reach, self.stride) + 1
        # torch: a window may overhang only if it starts inside the input or left padding
        return dmin(ceildiv(reach, self.stride) + 1, floordiv(n + self.before - 1, self.stride) + 1)

    def reads(self) -> Reads:
        """Output o reads input positions o·S - P_before .. o·S - P_before + F - 1."""
        s, b, f = self.stride, self.before, self.span
        return Reads(Fraction(s), lambda o: (o * s - b, o * s - b + f - 1))

    def explain(self, axis: str, n: Dim, out: Dim) -> str:
        f = fmt(self.kernel) if self.dilation == 1 else f"({self.dilation}·({self.kernel} − 1) + 1)"
        if isinstance(self.before, int) and self.before == self.after:
            pad = f"2·{self.before}"
        else:
            pad = f"{fmt(self.before)} + {fmt(self.after)}"
        br = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        rule = f"{br[0]}({fmt(n)} − {f} + {pad})/{self.stride}{br[1]} + 1"
        if self.ceil_mode and not (isinstance(out, int) and self.out_ceil(n) == out):
            # torch drops a last window that would start in the right padding (see out())
            last = f"⌊({fmt(n)} + {fmt(self.before)} − 1)/{self.stride}⌋ + 1"
            rule = f"min({rule}, {last})"
        return f"{axis} = {rule} = {fmt(out)}"

    def out_ceil(self, n: Dim) -> Dim:
        """ceil_mode's output before torch's rule on the last window."""
        return ceildiv(n + self.before + self.after - self.span, self.stride) + 1


def pads(
    padding: int | str | tuple[int | tuple[int, int], ...],
    spatial: Sequence[Dim],
    kernel: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> list[tuple[Dim, Dim]]:
    """Per-axis (before, after) padding for an int, per-axis list, [before, after] pairs,
    or a named convention: 'valid' (none), 'same' (torch: stride 1 only, extra on the
    right), 'tf_same' (TensorFlow SAME: output ⌈W/S⌉, extra at the bottom/right)."""
    n = len(spatial)
    if padding == "valid":
        return [(0, 0)] * n
    if padding == "same":
        if any(s != 1 for s in stride):
            raise LayerError(
                "padding 'same' (torch's convention) needs stride 1",
                "use padding: tf_same for TensorFlow's SAME with strides, or explicit numbers",
                field="padding",
                code="E104",
            )
        totals = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return [(t // 2, t - t // 2) for t in totals]
    if padding == "tf_same":
        out: list[tuple[Dim, Dim]] = []
        for w, k, s, d in zip(spatial, kernel, stride, dilation, strict=True):
            total = dmax((ceildiv(w, s) - 1) * s + d * (k - 1) + 1 - w, 0)
            before = floordiv(total, 2)
            out.append((before, total - before))
        return out
    assert not isinstance(padding, str)
    if isinstance(padding, int):
        return [(padding, padding)] * n
    if len(padding) == 1:
        padding = padding * n
    if len(padding) != n:
        raise LayerError(
            f"padding has {len(padding)} entries but the layer has {n} spatial dimension(s)",
            f"give one number, a list of {n}, or {n} [before, after] pairs",
            field="padding",
        )
    return [p if isinstance(p, tuple) else (p, p) for p in padding]


def slide(windows: Sequence[Window], x: Shape, what: str) -> tuple[Dim, ...]:
    """Output spatial sizes for input x = (C, *spatial), with located errors."""
    axes = AXES[len(windows)]
    out: list[Dim] = []
    for axis, w, n in zip(axes, windows, x[1:], strict=True):
        if (
            not w.ceil_mode  # under ceil_mode torch lets a window overhang; the output rule decides
            and isinstance(n, int)
            and isinstance(w.before, int)
            and isinstance(w.after, int)
        ):
            padded = n + w.before + w.after
            if w.span > padded:
                raise LayerError(
                    f"{what} {w.span} is larger than the padded input {axis} = {padded}",
                    "use a smaller kernel, more padding, or a larger input",
                    field="kernel_size",
                    code="E100",
                )
        o = w.out(n)
        require_positive(
            o,
            f"output {axis}",
            "use a smaller kernel or stride, more padding, or a larger input",
            "kernel_size",
        )
        out.append(o)
    return tuple(out)
