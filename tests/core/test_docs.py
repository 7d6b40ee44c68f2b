"""docs/json.md is the JSON contract: real output has exactly the documented keys, and the
documented example is real output. docs/counting.md defines the counts of every layer kind."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from core_util import LENET, ROOT, cli

from cnncalc.layers import registry

JSON_MD = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
COUNTING_MD = (ROOT / "docs" / "counting.md").read_text(encoding="utf-8")

Contract = dict[str, dict[str, str]]  # object ('top level', 'layers[]', …) -> key -> present


def contract(command: str) -> Contract:
    """The key tables under '## `cnncalc COMMAND SPEC --format json`'."""
    part = JSON_MD.split(f"## `cnncalc {command} SPEC --format json`", 1)[1].split("\n## ", 1)[0]
    out: Contract = {}
    for heading, body in re.findall(r"^### (.+?)\n(.*?)(?=^### |\Z)", part, re.M | re.S):
        keys = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|", body, re.M)
        out[heading.strip("`")] = {k: present.strip() for k, present in keys}
    return out


MERGE_SPEC = """\
name: merged
input: {channels: 2, height: 6, width: 6}
layers:
  - {name: a, type: conv2d, out_channels: 2, kernel_size: 3, padding: 1, activation: relu}
  - {name: b, type: add, from: [input, a]}
"""


def outputs(command: str, tmp_path: Path) -> list[dict[str, Any]]:
    """Real JSON from LeNet-5 (with and without --explain) and from a spec with a merge."""
    merged = tmp_path / "merged.yaml"
    merged.write_text(MERGE_SPEC, encoding="utf-8")
    family = ROOT / "specs" / "mobilenet_v2.yaml"  # a spec with args:, one of them --set
    runs: list[tuple[Any, ...]] = [
        (command, LENET),
        (command, merged),
        (command, family, "--set", "width=0.5"),
    ]
    if command == "params":
        runs.append((command, LENET, "--explain"))
        runs.append((command, LENET, "--rf"))
        runs.append((command, LENET, "--convention", "thop"))
    out = []
    for run in runs:
        res = cli(*run, "--format", "json")
        assert res.exit_code == 0, res.stderr
        out.append(json.loads(res.stdout))
    return out


def objects(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    if name == "top level":
        return [data]
    if name == "layers[]":
        return list(data["layers"])
    return [data[name]]


@pytest.mark.parametrize("command", ["params", "shapes"])
def test_output_has_exactly_the_documented_keys(command: str, tmp_path: Path) -> None:
    spec = contract(command)
    assert {"top level", "layers[]"} <= set(spec)
    assert all(spec.values()), f"a key table of {command} parsed empty: {spec}"
    runs = outputs(command, tmp_path)
    seen: dict[str, set[str]] = {name: set() for name in spec}
    for data in runs:
        # every key the output has is documented (`args` only for a spec with args:)
        assert set(data) <= set(spec["top level"]), set(data) - set(spec["top level"])
        for name, keys in spec.items():
            for obj in objects(data, name):
                assert set(obj) <= set(keys), f"{name}: undocumented {set(obj) - set(keys)}"
                missing = {k for k, present in keys.items() if present == "always"} - set(obj)
                assert not missing, f"{name}: documented as always present, missing {missing}"
                seen[name] |= set(obj)
    for name, keys in spec.items():  # the conditional keys do appear in their conditions
        assert seen[name] == set(keys), f"{name}: never saw {set(keys) - seen[name]}"


def test_documented_example_is_real_output() -> None:
    block = re.search(r"Example \(LeNet-5, abridged\):\n\n```json\n(.*?)```", JSON_MD, re.S)
    assert block
    example = json.loads(block.group(1))
    real = json.loads(cli("params", LENET, "--format", "json").stdout)
    for key in ("name", "input", "output", "outputs", "totals", "memory"):
        assert example[key] == real[key], key
    (c1,) = example["layers"]
    assert c1 == real["layers"][0]


TWO_OUTPUTS = """\
name: two-heads
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: trunk, type: conv2d, out_channels: 4, kernel_size: 3}
  - {name: pool, type: adaptiveavgpool2d, output_size: 1}
  - {name: flat, type: flatten}
  - {name: cls, type: linear, out_features: 10}
  - {name: seg, type: conv2d, out_channels: 2, kernel_size: 1, from: trunk}
outputs: [cls, seg]
"""


@pytest.mark.parametrize("command", ["params", "shapes"])
def test_every_output_is_reported(command: str, tmp_path: Path) -> None:
    """A spec with several `outputs:` reports all of them, in order: JSON's `outputs` and the
    table's Total row (the first alone is `output`, as before)."""
    path = tmp_path / "two.yaml"
    path.write_text(TWO_OUTPUTS, encoding="utf-8")
    data = json.loads(cli(command, path, "--format", "json").stdout)
    assert data["outputs"] == [
        {"name": "cls", "shape": [10]},
        {"name": "seg", "shape": [2, 6, 6]},
    ]
    assert data["output"] == [10]
    if command == "params":
        for fmt, total in (("csv", "Total,,10; 2×6×6,"), ("markdown", "| **10; 2×6×6** |")):
            res = cli(command, path, "--format", fmt)
            assert total.replace("×", "x" if fmt == "csv" else "×") in res.stdout, res.stdout
        table = cli(command, path, "--format", "table").stdout
        assert "10; 2×6×6" in table


def test_counting_md_defines_every_layer_kind() -> None:
    table = COUNTING_MD.split("## Per layer kind", 1)[1]
    documented = set(re.findall(r"`(\w+)`", table))
    missing = sorted(set(registry.canonical_names()) - documented)
    assert not missing, f"docs/counting.md has no row for {missing}"


@pytest.mark.parametrize(
    "term",
    [
        "Output shape",
        "Output elements",
        "Trainable parameters",
        "Non-trainable (fixed) parameters",
        "Buffers",
        "Connections",
        "MACs",
        "FLOPs",
        "Memory",
    ],
)
def test_counting_md_defines_each_figure_once(term: str) -> None:
    assert COUNTING_MD.count(f"**{term}**") == 1
