"""shiftedwindowattention3d: torchvision's ShiftedWindowAttention3d (Video Swin Transformer)
on a T×H×W×C (channels-last) input: shiftedwindowattention over Wt×Wh×Ww windows, with
torchvision's own rule for a short input. Where an axis is no longer than the window
(T ≤ Wt), the window shrinks to the axis and that axis is not shifted
(_get_window_and_shift_size); every other axis is padded up to multiples of the window. The
counts are the 2-D kind's over these windows: P the padded positions, N = Wt·Wh·Ww the tokens
of the window applied (docs/counting.md). The relative position table and index are sized by
the declared window; torchvision keeps the index as an N×N matrix."""

from __future__ import annotations

from collections.abc import Sequence

from cnncalc.layers.base import Saved, Shape, concrete, numel
from cnncalc.layers.layout import Strides
from cnncalc.layers.swin_attention import ShiftedWindowAttention
from cnncalc.sym import Dim, ceildiv, dmax, dmin


class ShiftedWindowAttention3d(ShiftedWindowAttention):
    TYPES = ("shiftedwindowattention3d",)
    DIMS = (3,)
    AXES = ("T", "H", "W")
    HELPER = "ShiftedWindowAttention3d"

    def windows(self, x: Shape) -> tuple[tuple[Dim, ...], tuple[Dim, ...]]:
        """The window torchvision applies (an axis of size s ≤ k is one window of s) and the
        padded sizes: s itself there, else s padded up to a multiple of k."""
        pairs = list(zip(x[:-1], self.window, strict=True))
        used = tuple(dmin(s, k) for s, k in pairs)
        # ⌈s/k⌉·k is k for s ≤ k, where the padded size is s: take the difference off
        return used, tuple(ceildiv(s, k) * k - dmax(k - s, 0) for s, k in pairs)

    def saved_at(
        self, batch: int, inputs: Sequence[Shape], y: Shape, strides: Sequence[Strides | None]
    ) -> tuple[Saved, ...] | None:
        # as the 2-D kind's; a window shrunk to a short axis reads the top-left n×n of the
        # index buffer, flattened: a copy (int64) the table's gather keeps (one element: a
        # view)
        kept = super().saved_at(batch, inputs, y, strides)
        used, _ = self.windows(inputs[0])
        n = concrete(numel(used), "a window")
        if kept is None or not 1 < n < numel(self.window):  # a whole index, or one element
            return kept
        return (*kept, Saved("own", shape=(n * n,), dtype="int64", batched=False))

    def index_shape(self, n: int) -> Shape:
        return (n, n)  # "We don't flatten the relative_position_index here in 3d case"
