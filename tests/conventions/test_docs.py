"""docs/conventions.md: its `cnncalc flops` example is real output, its C1 table is what the
conventions compute, and each convention's rules there are its module's docstring; the
JSON of `flops` has exactly the keys docs/json.md documents."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.api import analyze, load
from cnncalc.conventions import CONVENTIONS, tallies

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "conventions.md").read_text(encoding="utf-8")
JSON_MD = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
MODULES = ["cnncalc", "torch_flop_counter", "fvcore", "ptflops", "thop", "torchinfo", "calflops"]


def cnncalc(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "COLUMNS": "80"}
    run = [sys.executable, "-m", "cnncalc", *args]
    done = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return done.stdout


def test_the_console_example_is_real_output() -> None:
    blocks = re.findall(r"```console\n\$ cnncalc (.*?)\n(.*?)```", DOC, re.S)
    assert blocks
    for command, shown in blocks:
        assert cnncalc(*command.split()) == shown


def test_the_c1_table() -> None:
    report = analyze(load(ROOT / "specs" / "lenet5.yaml"))
    c1 = {t.convention.name: t.layers[0] for t in tallies(report)}
    rows = dict(re.findall(r"^\| `([\w-]+)` \([^|]*\) \| ([\d,]+) \|", DOC, re.M))
    assert {k: int(v.replace(",", "")) for k, v in rows.items()} == c1
    assert {117_600, 122_304, 235_200, 239_904} <= set(c1.values())  # the four


@pytest.mark.parametrize("module", MODULES)
def test_the_rules_are_the_modules_docstrings(module: str) -> None:
    doc = importlib.import_module(f"cnncalc.conventions.{module}").__doc__
    assert doc is not None and doc.strip() in DOC


def test_every_convention_is_documented() -> None:
    names = {m for m in MODULES}
    found = {c.count.__module__.rsplit(".", 1)[1] for c in CONVENTIONS}
    assert found == names


def test_the_json_has_exactly_the_documented_keys() -> None:
    part = JSON_MD.split("## `cnncalc flops SPEC --format json`", 1)[1].split("\n## ", 1)[0]
    tables = dict(re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", part, re.M | re.S))
    keys = {h.strip("`"): set(re.findall(r"^\| `(\w+)` \|", b, re.M)) for h, b in tables.items()}
    data = json.loads(cnncalc("flops", "specs/lenet5.yaml", "--format", "json"))
    assert set(data) == keys["top level"]
    for c in data["conventions"]:
        assert set(c) == keys["conventions[]"]
    assert [c["name"] for c in data["conventions"]] == [c.name for c in CONVENTIONS]
