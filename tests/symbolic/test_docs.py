"""docs/symbolic.md's examples run: each `$ cnncalc …` line in a console block prints the
lines below it (a line `…` stands for any lines), YAML blocks headed `# file: NAME` are the
files the commands name, and the Python blocks' assertions hold."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.symbolic.kit import ROOT

DOC = (ROOT / "docs" / "symbolic.md").read_text(encoding="utf-8")
FILES = dict(re.findall(r"```yaml\n# file: (\S+)\n(.*?)```", DOC, re.S))
CONSOLE = re.findall(r"```console\n(.*?)```", DOC, re.S)
PYTHON = re.findall(r"```python\n(.*?)```", DOC, re.S)


def examples() -> list[tuple[str, list[str]]]:
    out: list[tuple[str, list[str]]] = []
    for block in CONSOLE:
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *lines = chunk.rstrip("\n").split("\n")
            out.append((command, lines))
    return out


def matches(expected: list[str], actual: list[str]) -> bool:
    """The expected lines in order, `…` standing for any run of lines."""
    pattern = "".join(".*?\n" if e == "…" else re.escape(e) + "\n" for e in expected)
    return re.fullmatch(pattern, "".join(a + "\n" for a in actual), re.S) is not None


def test_the_doc_has_examples() -> None:
    assert len(examples()) >= 6 and FILES and PYTHON


@pytest.mark.parametrize(("command", "expected"), examples(), ids=[c for c, _ in examples()])
def test_console_example(
    command: str, expected: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cnncalc.cli.app import app

    monkeypatch.chdir(ROOT)
    args = shlex.split(command)  # as a shell reads it: quotes keep `H>=32` from redirecting
    assert args[0] == "cnncalc"
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    args = [str(tmp_path / a) if a in FILES else a for a in args[1:]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    actual = [line.rstrip() for line in result.stdout.rstrip("\n").split("\n")]
    assert matches(expected, actual), "\n".join(actual)


@pytest.mark.parametrize("code", PYTHON)
def test_python_example(code: str) -> None:
    exec(compile(code, "docs/symbolic.md", "exec"), {})


README_CLAIMS = {  # the README's commands and what their comments say they print
    "cnncalc shapes specs/resnet50.yaml --input 3xHxW": ["2048×⌈H/32⌉×⌈W/32⌉"],
    "cnncalc shapes specs/vgg16.yaml -i 3xHxW --symbols 'H>=32, W>=32'": ["512×⌊H/32⌋×⌊W/32⌋"],
    "cnncalc sizes specs/unet.yaml": ["accepts: 16", "H ≥ 16, H ≡ 0 (mod 16)"],
    "cnncalc params specs/resnet50.yaml --rf": ["RF offset", "427×427", "32×32"],
}


def test_readme_section_runs() -> None:
    from cnncalc.cli.app import app

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Symbolic shapes", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    assert commands == list(README_CLAIMS)
    for command, claims in README_CLAIMS.items():
        out = CliRunner().invoke(app, shlex.split(command)[1:])
        assert out.exit_code == 0, out.stderr
        assert all(c in out.stdout for c in claims), (command, claims)


def test_the_vgg_bounds_example_names_the_layer_that_fails() -> None:
    """The prose names VGG-16's E101 layer for `--input 3xHxW` and which pooling it is."""
    from cnncalc.api import load
    from cnncalc.cli.app import app

    found = re.search(r"VGG-16's\s+(first|second|third) pooling \(`([^`]+)`\)", DOC)
    assert found, "docs/symbolic.md names VGG-16's E101 layer"
    nth, layer = found.groups()
    out = CliRunner().invoke(app, ["shapes", str(ROOT / "specs/vgg16.yaml"), "-i", "3xHxW"])
    assert out.exit_code == 1 and "E101" in out.stderr and f"layer '{layer}'" in out.stderr
    pools = [n.name for n in load(ROOT / "specs/vgg16.yaml").nodes if "pool" in n.layer.type]
    assert pools.index(layer) == ("first", "second", "third").index(nth)
