from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from robustness.kit import Run


@pytest.fixture
def cnncalc(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """The console script in-process (fast; for inputs that cannot crash the interpreter):
    `cnncalc("params", path)` -> Run, with the same no-traceback checks as kit.cli."""

    def run(*args: str, bug_expected: bool = False) -> Run:
        from cnncalc.cli.fast import main

        monkeypatch.setattr(sys, "argv", ["cnncalc", *args])
        capsys.readouterr()
        code = 0
        try:
            main()
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        assert bug_expected or "internal error" not in err, err
        return Run(code, out, err, 0.0)

    return run
