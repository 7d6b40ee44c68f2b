"""--depth: the table folded to N levels of blocks, a subtotal row per block (torchinfo's
depth). Subtotals add up: each block's row is the sum of the rows directly inside it, and the
top-level rows sum to the network's totals, for every zoo network at every depth."""

from __future__ import annotations

import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.analysis.fold import Subtotal, fold
from cnncalc.api import Counts, analyze, load
from cnncalc.cli.app import app
from cnncalc.errors import UsageError

SPECS = Path(__file__).resolve().parents[2] / "specs"
ZOO = sorted(p.name for p in SPECS.glob("*.yaml"))
REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torchvision_zoo.json"


def total(rows: list[Counts]) -> Counts:
    out = Counts()
    for c in rows:
        out = out + c
    return out


@pytest.mark.parametrize("spec", ZOO)
@pytest.mark.parametrize("depth", [1, 2, 3])
def test_subtotals_add_up(spec: str, depth: int) -> None:
    report = analyze(load(SPECS / spec))
    folded = fold(report, depth)
    rows = folded.layers
    top = [r for r in rows if not r.node.scope]
    assert total([r.counts for r in top]) == report.totals
    for r in rows:
        assert len(r.node.scope) < depth  # nothing deeper than asked shows
        if isinstance(r.node.layer, Subtotal):
            inside = [
                s
                for s in rows
                if s.node.scope == tuple(r.name.split("."))
                or (isinstance(s.node.layer, Subtotal) and s.node.scope == tuple(r.name.split(".")))
            ]
            assert inside or len(r.node.scope) + 1 == depth
            if len(r.node.scope) + 1 < depth:
                assert total([s.counts for s in inside]) == r.counts, r.name
    assert folded.activation_elements == report.activation_elements  # memory counts layers once
    for f in fields(Counts):
        assert getattr(folded.totals, f.name) == getattr(report.totals, f.name)


def test_depth_must_be_positive() -> None:
    with pytest.raises(UsageError):
        fold(analyze(load(SPECS / "resnet18.yaml")), 0)


def test_resnet50_depth_2_shows_stage_and_block_subtotals() -> None:
    """Stage subtotals against torchvision's per-module parameters (the json), not cnncalc."""
    result = CliRunner().invoke(
        app, ["params", str(SPECS / "resnet50.yaml"), "--depth", "2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)["layers"]}
    assert "layer1.0.conv1" not in rows
    assert rows["layer1"]["type"] == "bottleneck ×3" and rows["layer1.0"]["type"] == "bottleneck"
    assert rows["layer3"]["output_shape"] == [1024, 14, 14]
    ref = json.loads(REFERENCE.read_text())["models"]["resnet50"]["layers"]
    for stage in ("layer1", "layer2", "layer3", "layer4", "layer2.0", "layer4.2"):
        want = sum(e["params"] for e in ref if e["name"].startswith(stage + "."))
        assert want > 0 and rows[stage]["params"] == want, stage
    table = CliRunner().invoke(app, ["params", str(SPECS / "resnet50.yaml"), "-d", "1"])
    assert table.exit_code == 0
    assert re.search(r"│ layer4 +│ bottleneck ×3 +│ +2048×7×7 │ 14,964,736 │", table.output), (
        table.output
    )
    assert "25,557,032" in table.output
    bad = CliRunner().invoke(app, ["params", str(SPECS / "resnet50.yaml"), "--depth", "0"])
    assert bad.exit_code == 2
