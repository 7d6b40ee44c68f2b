"""cnncalc lint on the command line: paths, exit codes, formats, and no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lintkit import RULE_FIXTURES
from typer.testing import CliRunner

from cnncalc.cli.app import app

PASS = RULE_FIXTURES / "kernel-padding" / "pass.yaml"
WARN = RULE_FIXTURES / "kernel-padding" / "fail.yaml"
ERROR = RULE_FIXTURES / "spec-error" / "fail.yaml"


def lint(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    r = CliRunner().invoke(app, ["lint", "--isolated", *args], env=env or {"GITHUB_ACTIONS": ""})
    return r.exit_code, r.stdout, r.stderr


def test_exit_codes() -> None:
    assert lint(str(PASS))[0] == 0
    assert lint(str(WARN))[0] == 0  # warnings pass by default (--fail-on error)
    assert lint(str(WARN), "--fail-on", "warning")[0] == 1
    assert lint(str(ERROR))[0] == 1
    assert lint(str(ERROR), "--select", "W201")[0] == 1  # spec errors always count
    assert lint(str(WARN), "--fail-on", "info", "--ignore", "W203")[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give spec files"),
        (("no/such/file.yaml",), "no/such/file.yaml: no such file or folder"),
        (("nothing/*.yaml",), "nothing/*.yaml: no files match"),
        (("--select", "W999", str(PASS)), "--select: unknown rule code or name 'W999'"),
        (("--format", "xml", str(PASS)), "xml"),
        (("--fail-on", "fatal", str(PASS)), "fatal"),
    ],
)
def test_usage_errors_exit_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = lint(*args)
    assert code == 2 and message in err


def test_folders_and_globs(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text(PASS.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a" / "two.yml").write_text(WARN.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "a" / "notes.txt").write_text("layers: x", encoding="utf-8")
    (tmp_path / "a" / "compose.yaml").write_text("services: {}\n", encoding="utf-8")
    code, out, _ = lint(str(tmp_path / "a"), "--format", "json")
    data = json.loads(out)
    assert code == 0 and [Path(f).name for f in data["files"]] == ["one.yaml", "two.yml"]
    assert [Path(f).name for f in data["skipped"]] == ["compose.yaml"]
    code, out, _ = lint(str(tmp_path / "a" / "*.yml"), "--format", "json")
    assert [Path(f).name for f in json.loads(out)["files"]] == ["two.yml"]


def test_github_format_is_the_default_under_actions() -> None:
    code, out, _ = lint(str(WARN), env={"GITHUB_ACTIONS": "true"})
    assert code == 0 and out.startswith("::warning file=") and out.count("\n") == 3


def test_color_only_when_asked_or_on_a_terminal() -> None:
    assert "\x1b[" not in lint(str(WARN))[1]
    assert "\x1b[1;33mW203\x1b[0m" in lint(str(WARN), "--color")[1]


def test_clean_run_says_so() -> None:
    assert lint(str(PASS))[1] == "All checks passed (1 spec).\n"


def test_one_process_lints_without_torch_or_sympy() -> None:
    code = (
        "import sys\n"
        "from cnncalc.cli.app import app\n"
        "try:\n"
        f"    app(['lint', '--isolated', {str(WARN)!r}, {str(ERROR)!r}])\n"
        "except SystemExit as e:\n"
        "    tops = {m.split('.')[0] for m in sys.modules}\n"
        "    heavy = sorted(tops & {'torch', 'sympy', 'jinja2'})\n"
        "    print(e.code, heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "1 []"
