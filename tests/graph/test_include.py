"""include: taking blocks from other spec files, relative to the including file; refused
outside the spec's folder tree (unless CNNCALC_INCLUDE_ANYWHERE=1), in cycles, and located."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc.api import SpecError, analyze, load
from cnncalc.spec.blocks import ALLOW_OUTSIDE_ENV

SPEC = """name: t
input: {channels: 3, height: 8, width: 8}
include: %s
layers:
  - {name: a, type: cbr, out: 4}
"""
CBR = """blocks:
  cbr:
    args: {out}
    layers:
      - {type: conv2d, out_channels: $out, kernel_size: 3, padding: 1}
      - {type: relu}
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def errors(path: Path) -> list[str]:
    with pytest.raises(SpecError) as err:
        analyze(load(path))
    return [p.format() for p in err.value.problems]


def test_blocks_come_from_included_files_relative_to_each(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "[lib/a.yaml, lib/b.yaml]",
            "lib/a.yaml": "include: inner/cbr.yaml\n",  # relative to lib/
            "lib/inner/cbr.yaml": CBR,
            # a diamond: lib/a.yaml and lib/b.yaml both include inner/cbr.yaml
            "lib/b.yaml": "include: inner/cbr.yaml\nblocks: {other: {layers: [{type: relu}]}}\n",
        },
    )
    r = analyze(load(tmp_path / "net.yaml"))
    assert [s.name for s in r.layers] == ["a.0", "a.1"]


def test_the_zoo_shares_blocks(tmp_path: Path) -> None:
    specs = Path(__file__).resolve().parents[2] / "specs"
    assert analyze(load(specs / "resnet18.yaml")).totals.params == 11_689_512
    assert analyze(load(specs / "squeezenet1_1.yaml")).totals.params == 1_235_496


def test_outside_the_spec_folder_is_refused_unless_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, {"shared/cbr.yaml": CBR, "project/net.yaml": SPEC % "../shared/cbr.yaml"})
    monkeypatch.delenv(ALLOW_OUTSIDE_ENV, raising=False)
    [msg] = errors(tmp_path / "project/net.yaml")
    assert re.match(
        r".*net\.yaml:3:10: E113 include '\.\./shared/cbr\.yaml' is outside the spec's folder", msg
    )
    monkeypatch.setenv(ALLOW_OUTSIDE_ENV, "1")
    assert analyze(load(tmp_path / "project/net.yaml")).totals.params == 3 * 9 * 4 + 4


def test_include_cycles_and_missing_files_are_located(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "[a.yaml, missing.yaml]",
            "a.yaml": "include: b.yaml\n" + CBR,
            "b.yaml": "include: [a.yaml]\n",
        },
    )
    msgs = errors(tmp_path / "net.yaml")
    assert any(
        re.match(r".*b\.yaml:1:11: E113 include cycle: a\.yaml → b\.yaml → a\.yaml", m)
        for m in msgs
    ), msgs
    assert any(
        re.match(r".*net\.yaml:3:19: E113 include 'missing\.yaml': no such file", m) for m in msgs
    ), msgs
    write(tmp_path, {"self.yaml": SPEC % "self.yaml" + CBR})
    assert any("include cycle: self.yaml → self.yaml" in m for m in errors(tmp_path / "self.yaml"))


def test_problems_inside_included_files_point_into_them(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "net.yaml": SPEC % "lib.yaml",
            "lib.yaml": CBR.replace("kernel_size: 3, padding: 1", "kernel_size: 9"),
        },
    )
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(r".*lib\.yaml:5:\d+: E100 layer 'a\.0': kernel extent 9 is larger", msg), msg
    write(tmp_path, {"lib.yaml": "blocks: [oops\n"})
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(r".*lib\.yaml:2:1: E001 YAML syntax error", msg), msg


def test_a_block_defined_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"net.yaml": SPEC % "lib.yaml" + CBR, "lib.yaml": CBR})
    [msg] = errors(tmp_path / "net.yaml")
    assert re.match(
        r".*net\.yaml:7:3: E110 block 'cbr' is defined twice \(first at .*lib\.yaml:2:3\)", msg
    ), msg
