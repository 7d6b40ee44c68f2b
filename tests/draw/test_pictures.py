"""docs/draw.md runs as written, its pictures (made by docs/pictures/make.py) are current, and
the README's first screen shows one of them."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "draw.md"
COMMANDS = [
    line.split("  #")[0].strip()
    for doc in (DOC, ROOT / "README.md")
    for block in re.findall(r"```bash\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    for line in block.splitlines()
    if line.startswith("cnncalc draw")
]


def make_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make", ROOT / "docs" / "pictures" / "make.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_doc_has_commands() -> None:
    assert len(COMMANDS) >= 8


@pytest.mark.parametrize("command", COMMANDS)
def test_command(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = [str(ROOT / a) if a.startswith("specs/") else a for a in shlex.split(command)[1:]]
    monkeypatch.chdir(tmp_path)  # -o writes here
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.stderr
    out = args[args.index("-o") + 1]
    if out.endswith(".png"):
        assert (tmp_path / out).read_bytes().startswith(b"\x89PNG")
        return
    text = res.stdout if out == "-" else (tmp_path / out).read_text(encoding="utf-8")
    assert text.startswith("<svg ") and text.rstrip().endswith("</svg>")


@pytest.mark.parametrize("name", list(make_script().PICTURES))
def test_pictures_are_current(name: str) -> None:
    """Rerun `python docs/pictures/make.py` after changing how diagrams are drawn."""
    shown = (ROOT / "docs" / "pictures" / f"{name}.svg").read_text(encoding="utf-8")
    assert make_script().make(name) == shown
    assert (ROOT / "docs" / "pictures" / f"{name}.png").is_file()  # what the docs show


def test_pictures_the_docs_show_exist() -> None:
    for doc in (DOC, ROOT / "README.md"):
        for target in re.findall(r"(?:\]\(|src=\")((?:docs/)?pictures/[\w.-]+)", doc.read_text()):
            path = (DOC.parent if doc == DOC else ROOT) / target
            assert path.is_file(), (doc.name, target)


def test_the_readme_opens_with_the_lenet_figure() -> None:
    first_screen = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:25])
    assert len(re.findall(r"<img ", first_screen)) == 1
    assert 'src="docs/pictures/lenet5-stack.svg"' in first_screen
