"""The last line of defence: a bug (any exception that is not cnncalc's own) prints one line
asking for a report, exit 1, never a traceback, whichever path the CLI takes. The fuzz tests
prove that no input reaches it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from robustness.kit import Run

Cli = Callable[..., Run]
LENET = str(Path(__file__).resolve().parents[2] / "specs" / "lenet5.yaml")


def boom(*args: object, **kwargs: object) -> object:
    raise RuntimeError("boom\nsecond line of a message that should not be printed")


LINE = "cnncalc: internal error: RuntimeError: boom (please report)\n"


def test_a_bug_in_the_library_prints_one_line(
    cnncalc: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import cnncalc.api as api

    monkeypatch.setattr(api, "report", boom)
    run = cnncalc("params", LENET, bug_expected=True)
    assert (run.code, run.err, run.out) == (1, LINE, "")


def test_a_bug_in_rendering_prints_one_line(cnncalc: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import cnncalc.render.json as json

    monkeypatch.setattr(json, "render", boom)  # outside guarded(): run_app
    run = cnncalc("params", LENET, "-f", "json", bug_expected=True)
    assert (run.code, run.err) == (1, LINE)


def test_a_bug_under_typer_prints_one_line(cnncalc: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    import cnncalc.lint as lint

    monkeypatch.setattr(lint, "lint_paths", boom)
    run = cnncalc("lint", LENET, bug_expected=True)
    assert (run.code, run.err) == (1, LINE)


def test_a_bug_in_a_real_process_prints_no_traceback() -> None:
    code = (
        "import sys, cnncalc.render.json as j\n"
        "def boom(*a, **k): raise KeyError('x')\n"
        "j.render = boom\n"
        f"sys.argv = ['cnncalc', 'params', {LENET!r}, '--format', 'json']\n"
        "from cnncalc.cli.fast import main\nmain()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (proc.returncode, proc.stderr) == (
        1,
        "cnncalc: internal error: KeyError: 'x' (please report)\n",
    )
