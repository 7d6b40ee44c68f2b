"""docs/codegen.md and the README's codegen section run as written: each `cnncalc codegen`
command succeeds, and the LeNet-5 class shown is the one generated."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.api import analyze, load
from cnncalc.cli.app import app
from cnncalc.codegen import generate

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "docs" / "codegen.md", ROOT / "README.md"]
COMMANDS = [
    line.split("#")[0].strip()
    for doc in DOCS
    for block in re.findall(r"```bash\n(.*?)```", doc.read_text(), re.S)
    for line in block.splitlines()
    if line.startswith("cnncalc codegen")
]


def test_the_docs_have_commands() -> None:
    assert len(COMMANDS) >= 4


@pytest.mark.parametrize("command", COMMANDS)
def test_command(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if "--check" in command:
        pytest.importorskip("torch")
    args = shlex.split(command)[1:]
    args = [str(ROOT / a) if a.startswith("specs/") else a for a in args]
    monkeypatch.chdir(tmp_path)  # -o writes here
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr


def test_the_lenet_class_shown_is_the_one_generated() -> None:
    shown = re.search(r"```python\n(class LeNet5.*?)```", DOCS[0].read_text(), re.S)
    assert shown is not None
    code = generate(analyze(load(ROOT / "specs" / "lenet5.yaml"))).code
    assert shown.group(1) in code
