"""Receptive fields cost the positions traced, not the gaps between them (issue 13: ~2 s per
(transposed conv, conv, conv) triple whose transposed conv strides far past its kernel), with
results identical to the plain algorithm kept here as the reference: `cover` scanning position
by position, a transposed conv's taps tried one by one."""

from __future__ import annotations

import sys
from collections.abc import Callable
from fractions import Fraction
from types import FrameType
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.engine import Report, analyze
from cnncalc.analysis.receptive import FieldMap, Span, receptive_fields, trace
from cnncalc.api import loads
from cnncalc.errors import CnncalcError
from cnncalc.layers.base import Reads, Shape
from cnncalc.layers.conv_transpose import ConvTranspose
from tests.symbolic.windows import window_nets


def scan_cover(self: FieldMap, first: int, last: int) -> Span:
    """The reference: the nearest position that depends on anything, found by walking."""
    lo = next((s[0] for p in range(first, last + 1) if (s := self.span(p)) is not None), None)
    hi = next((s[1] for p in range(last, first - 1, -1) if (s := self.span(p)) is not None), None)
    return None if lo is None or hi is None else (lo, hi)


def tap_reads(self: ConvTranspose, x: Shape, y: Shape, axis: int) -> Reads:
    """The reference: every tap of the kernel tried on output position o."""
    k, s, p, _, d = self.geometry()[axis]

    def span(o: int) -> tuple[int, int] | None:
        hits = [(o + p - t * d) // s for t in range(k) if (o + p - t * d) % s == 0]
        return (min(hits), max(hits)) if hits else None

    return Reads(Fraction(1, s), span)


def reference_trace(report: Report, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    with monkeypatch.context() as m:
        m.setattr(FieldMap, "cover", scan_cover)
        m.setattr(ConvTranspose, "reads", tap_reads)
        return trace(report)


@settings(max_examples=400, deadline=None)
@given(
    k=st.integers(1, 40),
    s=st.integers(1, 40),
    p=st.integers(0, 60),
    d=st.integers(1, 40),
    o=st.integers(-100, 400),
)
def test_transposed_conv_taps(k: int, s: int, p: int, d: int, o: int) -> None:
    layer = ConvTranspose.model_validate(
        {
            "type": "convtranspose1d",
            "out_channels": 1,
            "kernel_size": k,
            "stride": s,
            "padding": p,
            "dilation": d,
        }
    )
    fast = layer.reads((1, 8), (1, 8), 0)
    assert isinstance(fast, Reads)
    assert fast.span(o) == tap_reads(layer, (1, 8), (1, 8), 0).span(o)


spans = st.one_of(st.none(), st.tuples(st.integers(-5, 5), st.integers(0, 5)))


@settings(max_examples=400, deadline=None)
@given(
    table=st.lists(st.one_of(st.none(), st.none(), st.none(), spans), min_size=1, max_size=12),
    m=st.integers(1, 7),
    first=st.integers(-40, 40),
    length=st.integers(1, 60),
)
def test_cover_finds_what_a_scan_finds(table: list[Span], m: int, first: int, length: int) -> None:
    # fields grow with the position (monotone, as a layer's are): shift each by its index
    fields = tuple(
        None if s is None else (s[0] + i * m, s[0] + s[1] + i * m) for i, s in enumerate(table)
    )
    fm = FieldMap(Fraction(1, len(table)), m, fields)
    assert fm.cover(first, first + length - 1) == scan_cover(fm, first, first + length - 1)


def gap_triples(dims: int, stride: int, reps: int, size: int = 32) -> str:
    """(transposed conv with a 1-tap kernel, a dilated conv, a strided conv) triples: the
    transposed conv's outputs read nothing but every `stride`-th; the dilated conv's windows
    straddle those gaps, and the last conv brings the grid back to the input's."""
    axes = ["length"] if dims == 1 else ["depth", "height", "width"][3 - dims :]
    half = stride // 2
    body = [
        f"{{type: convtranspose{dims}d, out_channels: 2, kernel_size: 1, stride: {stride}}}",
        f"{{type: conv{dims}d, out_channels: 2, kernel_size: 3, dilation: {half}, "
        f"padding: {half}}}",
        f"{{type: conv{dims}d, out_channels: 2, kernel_size: 1, stride: {stride}}}",
    ]
    inp = ", ".join(f"{a}: {size}" for a in axes)
    lines = [f"name: gaps{stride}", f"input: {{channels: 2, {inp}}}", "layers:"]
    return "\n".join(lines + [f"  - {b}" for b in body * reps]) + "\n"


# configurations the search in benchmarks/rf_search.py found slow (seconds per triple before)
SLOW = [
    gap_triples(1, 300, 2),
    gap_triples(2, 97, 2, size=5),
    """name: found
input: {channels: 1, length: 98}
layers:
  - {type: convtranspose1d, out_channels: 1, kernel_size: 27, stride: 1944, padding: 29,
     output_padding: 1570, dilation: 7}
  - {type: conv1d, out_channels: 1, kernel_size: 278, stride: 59, padding: 5438, dilation: 104}
  - {type: conv1d, out_channels: 1, kernel_size: 403, stride: 1, padding: 0, dilation: 2}
  - {type: convtranspose1d, out_channels: 1, kernel_size: 2, stride: 624, padding: 0,
     output_padding: 123, dilation: 7}
  - {type: conv1d, out_channels: 1, kernel_size: 25, stride: 1, padding: 0, dilation: 3}
""",
    """name: found3d
input: {channels: 1, depth: 40, height: 3, width: S}
layers:
  - {type: convtranspose3d, out_channels: 1, kernel_size: 1971, stride: 775, padding: 10194,
     output_padding: 237, dilation: 48}
  - {type: conv3d, out_channels: 1, kernel_size: 9, stride: 222, padding: 0, dilation: 365}
  - {type: conv3d, out_channels: 1, kernel_size: 73, stride: 4, padding: 1317, dilation: 26}
""",
]


@pytest.mark.parametrize("text", SLOW, ids=["gaps1d", "gaps2d", "found1d", "found3d"])
def test_slow_configurations_match_the_reference(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = analyze(loads(text))
    fast = trace(report)
    assert fast == reference_trace(report, monkeypatch)
    traced = [m for row in fast.values() for m in row if isinstance(m, FieldMap)]
    assert max(len(m.table) for m in traced) >= 97  # long periods were traced, not refused


@st.composite
def gappy_chains(draw: st.DrawFn) -> str:
    """1-d chains of transposed convs (strides up to 5× the kernel's reach: runs of positions
    that read nothing), dilated and strided convs, over a concrete or symbolic length."""
    layers = []
    for _ in range(draw(st.integers(1, 6))):
        k, s, d = draw(st.integers(1, 9)), draw(st.integers(1, 40)), draw(st.integers(1, 12))
        if draw(st.booleans()):
            layers.append(
                {
                    "type": "convtranspose1d",
                    "out_channels": 1,
                    "kernel_size": k,
                    "stride": s,
                    "dilation": d,
                    "padding": draw(st.integers(0, 30)),
                    "output_padding": draw(st.integers(0, max(s, d) - 1)),
                }
            )
        else:
            layers.append(
                {
                    "type": "conv1d",
                    "out_channels": 1,
                    "kernel_size": k,
                    "stride": draw(st.integers(1, 12)),
                    "dilation": d,
                    "padding": draw(st.integers(0, d * (k - 1))),
                }
            )
    length = draw(st.one_of(st.integers(1, 300), st.just("L")))
    return yaml.safe_dump(
        {"name": "gappy", "input": {"channels": 1, "length": length}, "layers": layers}
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=gappy_chains())
def test_random_gappy_chains_match_the_reference(text: str) -> None:
    try:
        report = analyze(loads(text))
    except CnncalcError:
        assume(False)
        return
    with pytest.MonkeyPatch.context() as mp:
        assert trace(report) == reference_trace(report, mp)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=window_nets(size=(4, 40)))
def test_random_window_chains_match_the_reference(spec: dict[str, Any]) -> None:
    report = analyze(loads(yaml.safe_dump(spec)))
    with pytest.MonkeyPatch.context() as mp:
        assert trace(report) == reference_trace(report, mp)


def python_lines(fn: Callable[[], object]) -> int:
    """Python lines executed while running fn (a comprehension's loop counts each turn)."""
    n = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal n
        n += event == "line"
        return tracer

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return n


LONG_KERNEL = """name: long kernel
input: {channels: 1, length: 20}
layers:
  - {type: convtranspose1d, out_channels: 1, kernel_size: 1000, stride: 500}
  - {type: conv1d, out_channels: 1, kernel_size: 3}
"""


@pytest.mark.parametrize("text", [gap_triples(1, 500, 2), LONG_KERNEL], ids=["gaps", "taps"])
def test_cost_follows_the_positions_traced(text: str) -> None:
    """Lines run per traced position stay a small constant (~40) where the transposed conv's
    outputs leave gaps 500 wide (before: ~1,000, each position walked its gap) or its kernel
    has 1,000 taps (before: ~530, every tap tried on each position)."""
    report = analyze(loads(text))
    receptive_fields(report)  # one-off costs out of the count
    positions = sum(
        len(m.table) for row in trace(report).values() for m in row if isinstance(m, FieldMap)
    )
    assert positions >= 1000  # 500 per transposed conv and per layer after it
    work = python_lines(lambda: receptive_fields(report))
    assert work < 100 * positions, f"{work / positions:.0f} lines per traced position"
