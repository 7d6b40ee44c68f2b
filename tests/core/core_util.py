"""Helpers for the core tests: one-layer specs, the CLI in-process, positions in spec text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.api import analyze, loads
from cnncalc.cli.app import app
from cnncalc.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
LENET = ROOT / "specs" / "lenet5.yaml"
INPUT_KEYS = {
    1: ("features",),
    2: ("channels", "length"),
    3: ("channels", "height", "width"),
    4: ("channels", "depth", "height", "width"),
}


def spec(shape: tuple[int, ...], *layers: dict[str, Any]) -> str:
    data = {
        "name": "t",
        "input": dict(zip(INPUT_KEYS[len(shape)], shape, strict=True)),
        "layers": list(layers),
    }
    return yaml.safe_dump(data, sort_keys=False)


def report(shape: tuple[int, ...], *layers: dict[str, Any]) -> Report:
    return analyze(loads(spec(shape, *layers), "t.yaml"))


def one(shape: tuple[int, ...], layer: dict[str, Any]) -> LayerStats:
    """Analyse a single layer on an input of `shape` (batch excluded)."""
    return report(shape, layer).layers[-1]


def problems(text: str, file: str = "t.yaml") -> SpecError:
    """The SpecError a spec text raises (fails the test if it raises none)."""
    try:
        analyze(loads(text, file))
    except SpecError as err:
        return err
    raise AssertionError("expected the spec to be refused")


def position(text: str, needle: str, occurrence: int = 1) -> tuple[int, int]:
    """1-based line and column of the n-th `needle` in `text`."""
    at = -1
    for _ in range(occurrence):
        at = text.index(needle, at + 1)
    line = text.count("\n", 0, at) + 1
    col = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, col


def cli(*args: str | Path) -> Any:
    """Run `cnncalc ARGS` in-process; returns click's Result (stdout, stderr, exit_code)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def explained_value(expr: str) -> int:
    """Evaluate an explanation's right-hand side: numbers, + − · /, ⌊⌋ ⌈⌉, min, parentheses.
    Floats are Python's doubles, as torch's (⌊100·0.29⌋ = 28)."""
    e = expr.replace(", ", ";").replace(",", "").replace(";", ", ")  # min(a, b); 1,024
    e = e.replace("·", "*").replace("−", "-")
    e = e.replace("⌊", "(").replace("⌋", ")").replace(")/", ")//")  # ⌊(a)/s⌋ -> ((a)//s)
    e = re.sub(r"⌈\((.*?)\)//(\d+)⌉", r"(-(-(\1)//\2))", e)  # ⌈(a)/s⌉ -> -(-(a)//s)
    assert re.fullmatch(r"([\d.+\-*/(), ]|min)+", e), expr
    return int(eval(e))  # checked above to be plain arithmetic


def checked_explain_lines(lines: list[str]) -> list[tuple[str, int]]:
    """Every 'label = arithmetic = N' line (or 'label = words = arithmetic = N') must evaluate
    to N; returns (label, N) for them."""
    out = []
    for line in lines:
        m = re.fullmatch(r"(\w+) = (?:.* = )?(.+?) = ([\d,]+)(?: \(.*\))?", line)
        if m and re.fullmatch(r"([\d.,+\-−·/()⌊⌋⌈⌉ ]|min)+", m.group(2)):
            label, expr, result = m.groups()
            n = int(result.replace(",", ""))
            assert explained_value(expr) == n, line
            out.append((label, n))
    return out
