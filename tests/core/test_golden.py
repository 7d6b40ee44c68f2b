"""Golden files of the CLI's output for LeNet-5, in every format, and the invariants inside them
(rows add up to the totals). Regenerate after an intended change, then review the diff:

    CNNCALC_REGEN=1 python -m pytest tests/core/test_golden.py
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
from pathlib import Path

import pytest
from core_util import LENET, cli

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("CNNCALC_REGEN") == "1"
NUMERIC = ("Params", "Trainable", "Connections", "MACs")

RUNS = {
    "lenet5.params.txt": ("params",),
    "lenet5.params.explain.txt": ("params", "--explain"),
    "lenet5.params.json": ("params", "--format", "json"),
    "lenet5.params.csv": ("params", "--format", "csv"),
    "lenet5.params.md": ("params", "--format", "markdown"),
    "lenet5.params.ascii.txt": ("params", "--ascii", "--explain"),
    "lenet5.params.explain.csv": ("params", "--explain", "--format", "csv"),
    "lenet5.params.explain.md": ("params", "--explain", "--format", "markdown"),
    "lenet5.shapes.txt": ("shapes",),
    "lenet5.shapes.json": ("shapes", "--format", "json"),
    "lenet5.shapes.csv": ("shapes", "--format", "csv"),
}


def output(name: str) -> str:
    res = cli(RUNS[name][0], LENET, *RUNS[name][1:])
    assert res.exit_code == 0, res.stderr
    assert res.stderr == ""
    return str(res.stdout)


@pytest.mark.parametrize("name", list(RUNS))
def test_golden(name: str) -> None:
    got = output(name)
    path = GOLDEN / name
    if REGEN:
        path.write_text(got, encoding="utf-8")
        return
    assert path.exists(), f"no golden {path.name}; run with CNNCALC_REGEN=1 and review it"
    want = path.read_text(encoding="utf-8")
    assert got == want, (
        f"{name} differs from its golden file; if intended, regenerate with CNNCALC_REGEN=1"
    )


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def test_json_rows_add_up() -> None:
    data = json.loads(golden("lenet5.params.json"))
    layers, totals = data["layers"], data["totals"]
    for key in (
        "params",
        "trainable_params",
        "non_trainable_params",
        "buffers",
        "connections",
        "macs",
        "flops",
    ):
        assert sum(d[key] for d in layers) == totals[key], key
    outputs = {"input": data["input"]}
    for d in layers:
        assert d["params"] == d["trainable_params"] + d["non_trainable_params"]
        assert d["flops"] == 2 * d["macs"]
        assert d["output_elements"] == math.prod(d["output_shape"])
        assert d["input_shape"] == outputs[d["inputs"][0]]  # shapes chain through the graph
        outputs[d["name"]] = d["output_shape"]
    assert data["output"] == layers[-1]["output_shape"]
    assert totals["activation_elements"] == sum(d["output_elements"] for d in layers)
    mem = data["memory"]
    assert mem["param_bytes"] == (totals["params"] + totals["buffers"]) * mem["bytes_per_element"]
    assert mem["activation_bytes"] == totals["activation_elements"] * mem["bytes_per_element"]
    assert mem["input_bytes"] == math.prod(data["input"]) * mem["bytes_per_element"]


def test_shapes_json_matches_params_json() -> None:
    full = json.loads(golden("lenet5.params.json"))
    shapes = json.loads(golden("lenet5.shapes.json"))
    assert "totals" not in shapes
    assert [(d["name"], d["output_shape"]) for d in shapes["layers"]] == [
        (d["name"], d["output_shape"]) for d in full["layers"]
    ]


def _sum_check(rows: list[dict[str, str]], total: dict[str, str], columns: tuple[str, ...]) -> None:
    def n(s: str) -> int:
        return int(re.sub(r"\s*\(.*\)$", "", s).replace(",", "").strip("* "))

    for col in columns:
        assert sum(n(r[col]) for r in rows) == n(total[col]), col


def test_csv_rows_add_up() -> None:
    rows = list(csv.DictReader(io.StringIO(golden("lenet5.params.csv"))))
    *body, total = rows
    assert total["name"] == "Total"
    for r in rows:  # machine-readable: bare integers
        assert all(r[c].isdigit() for c in ("params", "trainable", "connections", "macs")), r
    _sum_check(body, total, ("params", "trainable", "connections", "macs"))


def _pipe_rows(text: str, sep: str) -> tuple[list[str], list[list[str]]]:
    lines = [ln for ln in text.splitlines() if ln.startswith(sep)]
    cells = [[c.strip() for c in ln.strip().strip(sep).split(sep)] for ln in lines]
    return cells[0], cells[1:]


def test_markdown_rows_add_up() -> None:
    header, rows = _pipe_rows(golden("lenet5.params.md"), "|")
    rows = [r for r in rows if not set("".join(r)) <= set("-:")]  # the alignment row
    *body, total = (dict(zip(header, r, strict=True)) for r in rows)
    assert total["Layer"] == "**Total**"
    _sum_check(body, total, NUMERIC)


def test_table_rows_add_up() -> None:
    text = golden("lenet5.params.txt")
    header, rows = _pipe_rows(text.replace("┃", "│"), "│")
    *body, total = (dict(zip(header, r, strict=True)) for r in rows)
    assert total["Layer"] == "Total" and len(body) == 8
    _sum_check(body, total, NUMERIC)
    # the summary lines under the table state the same totals
    assert f"Trainable params: {total['Trainable']}" in text
    assert f"Connections: {total['Connections']}" in text and f"MACs: {total['MACs']}" in text
