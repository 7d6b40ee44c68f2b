"""LeNet-5 against the paper's figures, read out of the reference text (not typed in here).

tests/data/lenet5.md is a verbatim copy of the paper's figures (its source: tests/data/README.md),
so the suite runs from a plain clone; the copies there are checked against their recorded hashes."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import pytest
from core_util import LENET, ROOT, cli

from cnncalc.api import analyze, load
from cnncalc.layers.conv import LENET5_TABLE

DATA = ROOT / "tests" / "data" / "lenet5.md"
TEXT = DATA.read_text(encoding="utf-8")
NUMBER = re.compile(r"\d[\d,]*")


def num(s: str) -> int:
    return int(s.replace(",", ""))


@dataclass(frozen=True)
class Row:
    layer: str
    shape: tuple[int, ...]
    trainable: int
    fixed: int
    connections: int


def reference_rows() -> list[Row]:
    """The figure table: | layer | what | output | trainable params | connections |."""
    rows = []
    for line in TEXT.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or not re.fullmatch(r"[A-Z]+\d?", cells[0]) or cells[0] == "C3 map":
            continue
        fixed = re.search(r"\((\d[\d,]*) fixed\)", cells[3])
        rows.append(
            Row(
                cells[0],
                tuple(int(d) for d in cells[2].split("×")),
                num(NUMBER.findall(cells[3])[0]),  # the first number: "156 = 6·(25+1)" -> 156
                num(fixed.group(1)) if fixed else 0,
                num(NUMBER.findall(cells[4])[0]),
            )
        )
    return rows


ROWS = reference_rows()


def test_reference_copies_are_verbatim() -> None:
    """Every file of tests/data has the SHA-256 its README records (taken of the original), and
    the README records no file that is not there."""
    data = DATA.parent
    recorded = dict(
        re.findall(
            r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", (data / "README.md").read_text(), re.M
        )
    )
    assert set(recorded) == {p.name for p in data.iterdir()} - {"README.md"}
    for name, digest in recorded.items():
        assert hashlib.sha256((data / name).read_bytes()).hexdigest() == digest, name


def test_reference_parses_to_seven_layers() -> None:
    # guards the parser: if the table's layout changed, the figures below would test nothing
    assert [r.layer for r in ROWS] == ["C1", "S2", "C3", "S4", "C5", "F6", "OUTPUT"]
    assert ROWS[0] == Row("C1", (6, 28, 28), 156, 0, 122_304)
    assert ROWS[-1].fixed == 840


@pytest.mark.parametrize("ref", ROWS, ids=lambda r: r.layer)
def test_every_layer_figure(ref: Row) -> None:
    rep = analyze(load(LENET))
    stats = {s.name: s for s in rep.layers}[ref.layer]
    assert stats.output_shape == ref.shape
    assert stats.counts.trainable == ref.trainable
    assert stats.counts.fixed == ref.fixed
    assert stats.counts.connections == ref.connections


def test_totals() -> None:
    m = re.search(
        r"\*\*([\d,]+) trainable parameters\*\* \(plus ([\d,]+) fixed RBF parameters\) and "
        r"\*\*([\d,]+) connections\*\*",
        TEXT,
    )
    assert m, "totals sentence not found in the reference"
    trainable, fixed, connections = (num(g) for g in m.groups())
    t = analyze(load(LENET)).totals
    assert (t.trainable, t.fixed, t.connections) == (trainable, fixed, connections)
    assert (trainable, connections) == (60_000, 340_908)  # the parser read the right sentence
    # the reference's rows add up to its totals, and so do ours
    assert (
        sum(r.trainable for r in ROWS) == trainable
        and sum(r.connections for r in ROWS) == connections
    )


def test_c3_decomposition() -> None:
    m = re.search(r"C3 parameters: (.*) = (.*) = ([\d,]+)\.", TEXT)
    assert m
    terms = re.findall(r"(\d+)·\((\d+)·(\d+)\+1\)", m.group(1))
    assert sum(int(a) * (int(b) * int(k) + 1) for a, b, k in terms) == num(m.group(3)) == 1516
    # the table's row lengths give the same split: 6 rows of 3, 9 of 4, 1 of 6
    sizes = sorted(len(r) for r in LENET5_TABLE)
    assert sorted(int(b) for a, b, _ in terms for _ in range(int(a))) == sizes


def test_table_i_matches_reference() -> None:
    """Every C3 map's S2 inputs, as the reference lists them ('0:{0,1,2} 1:{1,2,3} …')."""
    pairs = re.findall(r"(\d+):\{([\d,]+)\}", TEXT)
    pairs += re.findall(
        r"^\| (\d+) \| [^|{]*\{([\d,]+)\} \|$", TEXT, re.M
    )  # '| 15 | all six: {…} |'
    listed = {int(m): {int(x) for x in maps.split(",")} for m, maps in pairs}
    assert sorted(listed) == list(range(16))
    assert {i: set(r) for i, r in enumerate(LENET5_TABLE)} == listed


def test_json_carries_every_figure() -> None:
    import json

    res = cli("params", LENET, "--format", "json")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    by_name = {d["name"]: d for d in data["layers"]}
    for ref in ROWS:
        d = by_name[ref.layer]
        assert d["output_shape"] == list(ref.shape)
        assert d["trainable_params"] == ref.trainable
        assert d["non_trainable_params"] == ref.fixed
        assert d["params"] == ref.trainable + ref.fixed
        assert d["connections"] == ref.connections
    assert data["totals"]["trainable_params"] == 60_000
    assert data["totals"]["connections"] == 340_908
    assert data["totals"]["non_trainable_params"] == 840


def test_table_prints_every_figure() -> None:
    res = cli("params", LENET)
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    for ref in ROWS:
        row = next(line for line in lines if re.match(rf"\W*{ref.layer}\s", line))
        assert "×".join(map(str, ref.shape)) in row
        assert f"{ref.connections:,}" in row
        assert f"{ref.trainable:,}" in row
    assert "60,000" in res.stdout and "340,908" in res.stdout and "840 fixed" in res.stdout
