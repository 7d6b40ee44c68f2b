"""Shared by the codegen tests: ruff as the judge of generated source, and small inputs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cnncalc.analysis.engine import Report
from cnncalc.api import analyze, parse_input
from cnncalc.errors import CnncalcError
from cnncalc.spec.network import Network

RULES = "E,F,W,I,B,UP,SIM,RUF"  # the project's own selection, on top of ruff's defaults
# on PATH, or beside this interpreter: a venv's python run without activating the venv
RUFF = shutil.which("ruff") or shutil.which("ruff", path=str(Path(sys.executable).parent))
needs_ruff = pytest.mark.skipif(RUFF is None, reason="ruff is not installed")


def ruff_problems(code: str, line_length: int = 88) -> list[str]:
    """What `ruff format --check` and `ruff check` (isolated from this project's config)
    say about a file; [] when both are satisfied."""
    assert RUFF is not None
    width = ["--line-length", str(line_length)]
    fmt = subprocess.run(
        [RUFF, "format", "--isolated", *width, "--stdin-filename", "gen.py", "-"],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    )
    out: list[str] = []
    if fmt.returncode != 0 or fmt.stdout != code:
        diff = [
            f"{a!r} -> {b!r}"
            for a, b in zip(code.splitlines(), fmt.stdout.splitlines(), strict=False)
            if a != b
        ]
        out.append("ruff format would change it: " + "; ".join(diff[:3]) + fmt.stderr)
    lint = subprocess.run(
        [
            RUFF,
            "check",
            "--isolated",
            *width,
            "--select",
            RULES,
            "--output-format",
            "concise",
            "--stdin-filename",
            "gen.py",
            "-",
        ],
        input=code,
        capture_output=True,
        text=True,
        check=False,
    )
    if lint.returncode != 0:
        out.append(lint.stdout + lint.stderr)
    return out


def small_report(net: Network, report: Report) -> Report:
    """The report for a smaller input of the same spec where the network accepts one (the
    generated code is the same: only a Linear after a flatten depends on the input size)."""
    if len(net.input_shape) < 2 or not all(isinstance(d, int) for d in net.input_shape):
        return report
    c, *spatial = net.input_shape
    for size in (32, 64):
        if all(isinstance(d, int) and d <= size for d in spatial):
            break
        text = "x".join(str(d) for d in (c, *[min(size, int(d)) for d in spatial]))
        try:
            return analyze(net, parse_input(text, net))
        except CnncalcError:
            continue
    return report
