"""`cnncalc params --tree`: every block's subtotal is what torch counts in the generated
module's submodule of that path, the leaves are the report's layers, the text fits 80
columns in every depth, and the JSON has exactly the keys docs/json.md documents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cnncalc.analysis.tree import TreeNode, tree, walk
from cnncalc.api import analyze, load
from cnncalc.cli.app import app
from cnncalc.codegen import generate
from cnncalc.codegen.check import load as load_module

ROOT = Path(__file__).resolve().parents[2]
JSON_MD = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
SPECS = ["resnet18", "densenet121", "swin/swin_t", "lenet5", "inception/inception_v3"]


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("spec", SPECS)
def test_block_subtotals_are_torch_submodules(spec: str) -> None:
    pytest.importorskip("torch")
    report = analyze(load(ROOT / "specs" / f"{spec}.yaml"))
    root = tree(report)
    leaves = [n for _, n in walk(root) if not n.block]
    assert [n.path for n in leaves] == [s.name for s in report.layers]
    assert root.params == report.totals.params and root.macs == report.totals.macs
    generated = generate(report)
    model = getattr(load_module(generated), generated.class_name)()
    paths = set(generated.modules.values())
    blocks = [n for _, n in walk(root) if n.block and n.depth > 0]
    checked = 0
    for n in blocks:
        try:
            sub = model.get_submodule(n.path)
        except AttributeError:
            continue  # a block codegen lays out flat (its layers are module attributes)
        assert n.params == sum(p.numel() for p in sub.parameters()), n.path
        checked += 1
    assert checked or not blocks, paths


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("depth", [None, "1", "3"])
def test_fits_80_columns(spec: str, depth: str | None) -> None:
    args = ["params", ROOT / "specs" / f"{spec}.yaml", "--tree"]
    res = cli(*args, *(["--depth", depth] if depth else []))
    assert res.exit_code == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any("├─" in line for line in lines) and any("└─" in line for line in lines)


def test_depth_indices_and_units() -> None:
    out = cli("params", ROOT / "specs" / "resnet18.yaml", "--tree", "--depth", "2", "--units", "si")
    assert re.search(r"^├─layer1 \(basic ×2: 1-5\) +64×56×56 +148k +462M$", out.stdout, re.M)
    assert re.search(r"^│ └─1 \(basic: 2-2\) ", out.stdout, re.M)


def test_json_csv_markdown() -> None:
    spec = ROOT / "specs" / "resnet18.yaml"
    part = JSON_MD.split("## `cnncalc params SPEC --tree --format json`", 1)[1]
    keys = set(re.findall(r"^\| `(\w+)` \|", part.split("\n## ", 1)[0], re.M))
    data = json.loads(cli("params", spec, "--tree", "-f", "json").stdout)

    def nodes(d: dict[str, Any]) -> list[dict[str, Any]]:
        return [d, *(m for c in d.get("children", []) for m in nodes(c))]

    found = nodes(data)
    assert all(set(n) <= keys for n in found) and set().union(*found) == keys
    rows = cli("params", spec, "--tree", "-f", "csv").stdout.splitlines()
    assert len(rows) == 1 + len(found)
    md = cli("params", spec, "--tree", "-f", "markdown").stdout
    assert md.count("\n") == 2 + len(found)


def test_a_folded_depth_keeps_the_figures() -> None:
    report = analyze(load(ROOT / "specs" / "resnet18.yaml"))
    shown = [n for _, n in walk(tree(report), 1)]
    top: list[TreeNode] = [n for n in shown if n.depth == 1]
    assert sum(n.params for n in top) == report.totals.params  # type: ignore[misc]


def test_ascii() -> None:
    out = cli("params", ROOT / "specs" / "resnet18.yaml", "--tree", "--depth", "2", "--ascii")
    assert out.stdout.isascii() and "|-layer1 (basic x2: 1-5)" in out.stdout
    assert "| `-1 (basic: 2-2)" in out.stdout
