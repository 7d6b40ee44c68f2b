"""Every command in docs/sweep.md runs, and prints the output shown under it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sweep.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```console\n(.*?)```", DOC, re.S)
# a space file the docs show must be the file they name
SPACE = re.search(r"`benchmarks/mobilenet_v2_space.yaml`:\n\n```yaml\n(.*?)```", DOC, re.S)


def commands(block: str) -> list[tuple[str, str]]:
    """(command line, the output shown under it) for each `$ ` line of a block."""
    out: list[tuple[str, str]] = []
    for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
        line, _, shown = part.partition("\n")
        out.append((line, shown))
    return out


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 5


def test_the_space_file_shown_is_the_one_named() -> None:
    assert SPACE is not None
    text = (ROOT / "benchmarks" / "mobilenet_v2_space.yaml").read_text(encoding="utf-8")
    assert SPACE.group(1) in text


@pytest.mark.parametrize("block", BLOCKS, ids=[b.split("\n")[0][:70] for b in BLOCKS])
def test_example(block: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for line, shown in commands(block):
        for name in ("rows.csv", "front.csv", "pareto.svg"):  # files written: in tmp_path
            line = line.replace(f" {name}", f" {tmp_path / name}")
        args = shlex.split(line)
        assert args[0] == "cnncalc"
        res = CliRunner().invoke(app, args[1:])
        assert res.exit_code == 0, (line, res.stderr)
        assert res.stdout == shown, line
