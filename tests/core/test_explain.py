"""--explain derives what it states: for random convolutions, transposed convolutions and
poolings, the MACs and connections lines show factors that multiply out to the layer's own
figure, and every format prints the explanation (CSV, Markdown, JSON, the table)."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from core_util import LENET, checked_explain_lines, cli, one
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.errors import SpecError


def _factors(line: str) -> int:
    """How many numbers the arithmetic part of a 'label = words = arithmetic = N' line has."""
    arithmetic = line.rsplit(" = ", 2)[-2]
    return len(re.findall(r"\d[\d,]*", arithmetic))


def _check(shape: tuple[int, ...], layer: dict[str, Any], derived: set[str]) -> None:
    try:
        s = one(shape, layer)
    except SpecError:
        return  # a random layer the input cannot hold: nothing to explain
    lines = s.explain()
    checked = dict(checked_explain_lines(lines))
    c = s.counts
    figures = {"params": c.params, "connections": c.connections, "MACs": c.macs}
    for label in derived:
        assert label in checked, (label, lines)  # stated as arithmetic that evaluates...
        assert checked[label] == figures[label], (label, lines)  # ...to the layer's figure
        line = next(x for x in lines if x.startswith(f"{label} = "))
        # derived from its factors, not restated: MACs from outputs (or inputs), channels, kernel
        assert _factors(line) >= (3 if label == "MACs" else 2), line


sizes = st.integers(1, 5)


@settings(max_examples=60, deadline=None)
@given(
    dims=st.integers(1, 3),
    cin=st.integers(1, 4),
    groups=st.sampled_from([1, 2]),
    cout=st.integers(1, 4),
    k=sizes,
    s=st.integers(1, 3),
    p=st.integers(0, 2),
    d=st.integers(1, 2),
    n=st.integers(4, 12),
    bias=st.booleans(),
)
def test_conv_macs_are_derived(
    dims: int, cin: int, groups: int, cout: int, k: int, s: int, p: int, d: int, n: int, bias: bool
) -> None:
    layer = {
        "type": f"conv{dims}d",
        "out_channels": cout * groups,
        "kernel_size": k,
        "stride": s,
        "padding": p,
        "dilation": d,
        "groups": groups,
        "bias": bias,
    }
    _check((cin * groups,) + (n,) * dims, layer, {"params", "connections", "MACs"})


@settings(max_examples=60, deadline=None)
@given(
    dims=st.integers(1, 3),
    cin=st.integers(1, 4),
    groups=st.sampled_from([1, 2]),
    cout=st.integers(1, 4),
    k=sizes,
    s=st.integers(1, 3),
    n=st.integers(1, 6),
    bias=st.booleans(),
)
def test_transposed_conv_macs_are_derived(
    dims: int, cin: int, groups: int, cout: int, k: int, s: int, n: int, bias: bool
) -> None:
    layer = {
        "type": f"convtranspose{dims}d",
        "out_channels": cout * groups,
        "kernel_size": k,
        "stride": s,
        "groups": groups,
        "bias": bias,
    }
    _check((cin * groups,) + (n,) * dims, layer, {"params", "connections", "MACs"})


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["maxpool", "avgpool"]),
    dims=st.integers(1, 3),
    c=st.integers(1, 4),
    k=st.lists(sizes, min_size=3, max_size=3),
    s=st.integers(1, 3),
    n=st.integers(5, 12),
    ceil_mode=st.booleans(),
)
def test_pooling_connections_are_derived(
    kind: str, dims: int, c: int, k: list[int], s: int, n: int, ceil_mode: bool
) -> None:
    layer = {
        "type": f"{kind}{dims}d",
        "kernel_size": k[:dims],
        "stride": s,
        "ceil_mode": ceil_mode,
    }
    _check((c,) + (n,) * dims, layer, {"connections"})


def test_connection_table_macs_are_derived() -> None:
    """LeNet's C3: each output map reads 3, 4 or 6 input maps."""
    layer = {"type": "conv2d", "out_channels": 16, "kernel_size": 5, "connection_table": "lenet5"}
    _check((6, 14, 14), layer, {"params", "connections", "MACs"})


def test_explain_in_csv_and_markdown() -> None:
    """`--explain` was dropped silently with -f csv and -f markdown: now a column, and a list."""
    js = json.loads(cli("params", LENET, "--explain", "-f", "json").stdout)
    res = cli("params", LENET, "--explain", "-f", "csv")
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["explain"] for r in rows[:-1]] == [
        "; ".join(d["explain"])
        .replace("·", "*")
        .replace("−", "-")
        .replace("⌊", "floor(")
        .replace("⌋", ")")
        for d in js["layers"]
    ]
    assert rows[-1]["name"] == "Total" and rows[-1]["explain"] == ""
    assert "explain" not in cli("params", LENET, "-f", "csv").stdout.splitlines()[0]
    md = cli("params", LENET, "--explain", "-f", "markdown").stdout
    bullets = [line[2:] for line in md.splitlines() if line.startswith("- ")]
    want = [f"{d['name']}: {line}" for d in js["layers"] for line in d["explain"]]
    assert [b.replace("\\_", "_") for b in bullets] == want
    assert not any(x.startswith("- ") for x in cli("params", LENET, "-f", "markdown").stdout)


def test_table_explains_pooling(tmp_path: Path) -> None:
    spec = tmp_path / "p.yaml"
    spec.write_text(
        "name: p\ninput: {channels: 3, height: 9, width: 9}\nlayers:\n"
        "  - {name: pool, type: maxpool2d, kernel_size: 3}\n",
        encoding="utf-8",
    )
    out = cli("params", spec, "--explain").stdout
    assert "pool: connections = outputs·window (each output reads 3·3 inputs)" in out
    assert "= (3·3·3)·(3·3) = 243" in out
