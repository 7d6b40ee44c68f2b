"""W203 kernel-padding, checked against brute force: is any window made of padding only?"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from lintkit import check_pair, lint_text


def test_fixtures() -> None:
    found = check_pair("kernel-padding")
    assert "1 before, 2 after" in found[1].message


def padding_only_window(n: int, k: int, s: int, before: int, after: int) -> bool:
    start, out = 0, False
    while start + k <= n + before + after:
        taps = range(start, start + k)
        out |= all(t < before or t >= before + n for t in taps)
        start += s
    return out


@settings(deadline=None, max_examples=60)
@given(
    n=st.integers(1, 20),
    k=st.integers(1, 6),
    s=st.integers(1, 4),
    before=st.integers(0, 7),
    after=st.integers(0, 7),
)
def test_fires_exactly_when_a_window_sees_only_padding(
    n: int, k: int, s: int, before: int, after: int
) -> None:
    if k > n + before + after:
        return  # E100
    text = (
        f"name: p\ninput: {{channels: 1, length: {n}}}\nlayers:\n"
        f"  - {{type: conv1d, out_channels: 1, kernel_size: {k}, stride: {s}, "
        f"padding: [[{before}, {after}]]}}\n"
    )
    with tempfile.TemporaryDirectory() as tmp:
        codes = [f.code for f in lint_text(text, Path(tmp)) if f.code == "W203"]
    assert codes == (["W203"] if padding_only_window(n, k, s, before, after) else [])
