"""`cnncalc params --by type|block`: the groups add up to the totals, each block's parameters
are what torch counts in the generated module's submodule of that name, and the JSON has
exactly the keys docs/json.md documents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cnncalc.analysis.breakdown import OUTSIDE, by_block, by_type
from cnncalc.api import analyze, load
from cnncalc.cli.app import app
from cnncalc.codegen import generate
from cnncalc.codegen.check import load as load_module

ROOT = Path(__file__).resolve().parents[2]
RESNET18 = ROOT / "specs" / "resnet18.yaml"
JSON_MD = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("spec", ["resnet18", "densenet121", "lenet5", "mobilenet_v2"])
def test_groups_add_up_to_the_totals(spec: str) -> None:
    report = analyze(load(ROOT / "specs" / f"{spec}.yaml"))
    for groups in (by_type(report), by_block(report, 1), by_block(report, 2)):
        assert sum(g.layers for g in groups) == len(report.layers)
        assert sum(g.params for g in groups) == report.totals.params  # type: ignore[misc]
        assert sum(g.macs for g in groups) == report.totals.macs  # type: ignore[misc]
        assert sum(g.activation_elements for g in groups) == report.activation_elements  # type: ignore[misc]


@pytest.mark.parametrize("depth", [1, 2])
def test_block_params_are_torch_submodules(depth: int) -> None:
    torch = pytest.importorskip("torch")
    report = analyze(load(RESNET18))
    generated = generate(report)
    model = getattr(load_module(generated), generated.class_name)()
    counted = 0
    for g in by_block(report, depth):
        if g.name == OUTSIDE:
            continue
        sub = model.get_submodule(g.name)
        assert g.params == sum(p.numel() for p in sub.parameters()), g.name
        counted += 1
    assert counted == (4 if depth == 1 else 8)
    assert isinstance(torch.nn.Module, type)


def test_json_has_exactly_the_documented_keys() -> None:
    part = JSON_MD.split("## `cnncalc params SPEC --by type|block --format json`", 1)[1]
    part = part.split("\n## ", 1)[0]
    tables = dict(re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", part, re.M | re.S))
    keys = {h.strip("`"): set(re.findall(r"^\| `(\w+)` \|", b, re.M)) for h, b in tables.items()}
    seen: set[str] = set()
    for args in (("--by", "type"), ("--by", "block", "--depth", "2")):
        data = json.loads(cli("params", RESNET18, *args, "-f", "json").stdout)
        assert set(data) <= keys["top level"]
        seen |= set(data)
        for g in data["groups"]:
            assert set(g) == keys["groups[]"]
    assert seen == keys["top level"]


def test_text_fits_80_columns_and_units() -> None:
    res = cli("params", ROOT / "specs" / "resnet50.yaml", "--by", "type")
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    si = cli("params", ROOT / "specs" / "resnet50.yaml", "--by", "type", "--units", "si").stdout
    assert re.search(r"^conv +53 +23\.5M +91\.8 +4\.09G", si, re.M), si


def test_by_refuses_what_it_cannot_show() -> None:
    res = cli("params", RESNET18, "--by", "type", "--rf")
    assert res.exit_code == 2 and "--by shows groups" in res.stderr
    res = cli("params", RESNET18, "--by", "type", "--depth", "2")
    assert res.exit_code == 2
