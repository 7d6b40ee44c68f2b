"""What "robust" means, as one function: run a spec text through everything cnncalc does
with it, in-process, and accept only a result or a located SpecError / UsageError.

Shared by the bounded fuzz tests here and the long-run harness in fuzz/ (which imports this
file by path), so both judge inputs the same way. Any other exception propagates: that is a
crash, and a crash is exactly what `cnncalc: internal error` would be printed for.
"""

from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass
from pathlib import Path

from cnncalc.errors import Problem, SpecError, UsageError

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))


class Unlocated(AssertionError):
    """A SpecError whose problem has no file:line:col, or an empty or multi-line message."""


@dataclass
class Outcome:
    ok: bool  # analysed (and rendered, and generated where it lowers)
    problems: list[Problem]
    usage: str = ""


def check_problem(p: Problem) -> None:
    if not p.pos.file or p.pos.line < 1 or p.pos.col < 1:
        raise Unlocated(f"problem without a line and column: {p.format()!r}")
    # spec text may sit in the fields (a refused name); what is printed must be one line
    if not p.message.strip() or not p.format().isprintable():
        raise Unlocated(f"a problem must be one non-empty printable line: {p.format()!r}")
    if not re.fullmatch(r"[A-Z]+\d{3}", p.code):
        raise Unlocated(f"problem without a code: {p.format()!r}")


def run_text(
    text: str, file: str, *, render: bool = True, table: bool = True, codegen: bool = False
) -> Outcome:
    """parse -> build -> analyze -> the renderers (rich's table is the slow one) -> torch
    codegen, parsed with ast."""
    from cnncalc.analysis.engine import analyze
    from cnncalc.spec.load import build
    from cnncalc.spec.yamlpos import parse_text

    try:
        report = analyze(build(parse_text(text, file)))
        if render:
            render_all(report, table)
        if codegen:
            generate(report)
    except SpecError as err:
        if not err.problems:
            raise Unlocated("a SpecError with no problems") from err
        for p in err.problems:
            check_problem(p)
        return Outcome(False, err.problems)
    except UsageError as err:
        if not str(err).strip():
            raise Unlocated("a UsageError with no message") from err
        return Outcome(False, [], str(err))
    return Outcome(True, [])


def render_all(report: object, table: bool = True) -> None:
    from rich.console import Console

    from cnncalc.analysis.engine import Report
    from cnncalc.render.json import render
    from cnncalc.render.table import print_table
    from cnncalc.render.text import csv_table, markdown_table
    from cnncalc.render.values import PARAM_COLUMNS

    assert isinstance(report, Report)
    render(report, True, "float32", True, ascii=True).encode("ascii")
    csv_table(report, PARAM_COLUMNS, totals=True, explain=True)
    markdown_table(report, PARAM_COLUMNS, totals=True, ascii=True, explain=True).encode("ascii")
    from cnncalc.render.boxtable import draw

    draw(report, PARAM_COLUMNS, totals=True, explain=True, dtype="int8", ascii=False)
    drawn = draw(report, PARAM_COLUMNS, totals=True, explain=True, ascii=True)
    assert drawn is None or drawn.isascii()
    if not table:
        return
    # names print as written (no markup), at a width that splits the table, and in ASCII
    console = Console(file=io.StringIO(), width=60)
    print_table(report, PARAM_COLUMNS, console, totals=True, explain=True, dtype="int8")
    console = Console(file=io.StringIO(), width=200)
    print_table(report, PARAM_COLUMNS, console, totals=True, explain=True, ascii=True)
    assert console.file.getvalue().isascii()  # type: ignore[attr-defined]


def generate(report: object) -> str:
    """Torch source for the report, checked to be Python; '' where the spec cannot lower."""
    from cnncalc.analysis.engine import Report
    from cnncalc.codegen import generate as gen

    assert isinstance(report, Report)
    try:
        code = gen(report, "torch").code
    except SpecError as err:
        for p in err.problems:
            check_problem(p)
        return ""
    ast.parse(code)
    return code


def lint_text(text: str, folder: Path, name: str = "spec.yaml") -> None:
    """The lint runner on a file holding `text`: it reports, it never raises."""
    from cnncalc.lint.config import Config
    from cnncalc.lint.formats.text import render
    from cnncalc.lint.runner import Linter, LintResult

    path = folder / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    findings = Linter(Config()).lint_file(str(path)) or []
    for finding in findings:
        check_problem(finding.problem)
    out = render(LintResult([str(path)], [], findings), color=False)
    for line in out.splitlines():
        if not line.isprintable():
            raise Unlocated(f"lint printed an unprintable line: {line!r}")
