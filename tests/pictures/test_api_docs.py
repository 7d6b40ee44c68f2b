"""docs/api.md's examples, run as a doctest from the repository root: what the page prints
is what the API gives; and the README's section on reports and the API, run as written."""

from __future__ import annotations

import doctest
import os
import re
import shlex
from pathlib import Path

from typer.testing import CliRunner

import cnncalc
from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]


def test_api_md_examples_run() -> None:
    here = Path.cwd()
    os.chdir(ROOT)  # the examples name specs/ relative to the root
    try:
        result = doctest.testfile(
            str(ROOT / "docs" / "api.md"),
            module_relative=False,
            optionflags=doctest.NORMALIZE_WHITESPACE,
            verbose=False,
        )
    finally:
        os.chdir(here)
    assert result.attempted >= 20, result
    assert result.failed == 0, result


def section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("## Reports, notebooks and the Python API\n", 1)[1].split("\n## ", 1)[0]


def test_readme_report_command(tmp_path: Path) -> None:
    [command] = re.findall(r"```bash\n(.*?)\n```", section(), re.S)
    args = shlex.split(command)
    assert args[:2] == ["cnncalc", "report"]
    args = [
        str(ROOT / a) if a.startswith("specs/") else str(tmp_path / a) if a.endswith(".html") else a
        for a in args[2:]
    ]
    res = CliRunner().invoke(app, ["report", *args])
    assert res.exit_code == 0, res.stderr
    size = (tmp_path / "resnet50.html").stat().st_size
    assert 100_000 < size < 1_000_000


def test_readme_python_runs() -> None:
    [code] = re.findall(r"```python\n(.*?)```", section(), re.S)
    here = Path.cwd()
    os.chdir(ROOT)
    try:
        exec(compile(code, "README.md", "exec"), {})  # its asserts are the check
    finally:
        os.chdir(here)


def test_readme_resnet152_figure(tmp_path: Path) -> None:
    """The size the README gives for ResNet-152's report, to two decimals."""
    [said] = re.findall(r"ResNet-152's report is ([\d.]+) MB", section())
    size = len(cnncalc.analyze(ROOT / "specs" / "resnet152.yaml").to_html().encode("utf-8"))
    assert f"{size / 1e6:.2f}" == said
