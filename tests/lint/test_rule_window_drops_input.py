"""W201 window-drops-input, checked against a brute-force walk over the window positions."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lintkit import check_pair, lint_text


def test_fixtures() -> None:
    [f] = check_pair("window-drops-input")
    assert "row of H = 27" in f.message and "column of W = 27" in f.message
    assert "H = 28" in f.hint  # the next input size with no remainder


def brute_unread_tail(n: int, k: int, s: int, before: int, after: int, d: int) -> tuple[int, int]:
    """Place windows one by one; return (input positions after the last window, the largest
    gap between two windows' extents) — no output-size formula involved."""
    padded = n + before + after
    span = d * (k - 1) + 1
    starts = []
    start = 0
    while start + span <= padded:
        starts.append(start)
        start += s
    last_end = starts[-1] + span - 1  # padded coordinates
    tail = max(0, (before + n - 1) - last_end)
    gap = max(0, s - span) if len(starts) > 1 else 0
    return tail, gap


@settings(deadline=None, max_examples=60)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    s=st.integers(1, 5),
    before=st.integers(0, 3),
    after=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_fires_exactly_when_brute_force_finds_unread_input(
    n: int, k: int, s: int, before: int, after: int, d: int
) -> None:
    span = d * (k - 1) + 1
    if span > n + before + after or before >= span or after >= span:
        return  # an error (E100), or padding-only windows (W203): other rules
    text = (
        f"name: w\ninput: {{channels: 1, length: {n}}}\nlayers:\n"
        f"  - {{type: conv1d, out_channels: 1, kernel_size: {k}, stride: {s}, "
        f"dilation: {d}, padding: [[{before}, {after}]]}}\n"
    )
    tail, gap = brute_unread_tail(n, k, s, before, after, d)
    with tempfile.TemporaryDirectory() as tmp:
        codes = [f.code for f in lint_text(text, Path(tmp)) if f.code == "W201"]
    assert codes == (["W201"] if tail > max(gap, max(0, s - span)) else []), (tail, gap)
