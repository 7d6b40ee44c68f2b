"""What "robust" means, as one function: run a spec text through everything cnncalc does
with it, in-process, and accept only a result or a located SpecError / UsageError.

Beyond not crashing: no rendered table or generated file holds a raw control character
from a name, and no message shows a file from outside the spec's folder (include_layout).

Shared by the bounded fuzz tests here and the long-run harness in fuzz/ (which imports this
file by path), so both judge inputs the same way. Any other exception propagates: that is a
crash, and a crash is exactly what `cnncalc: internal error` would be printed for.
"""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import signal
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
    report: object = None


class TooSlow(AssertionError):
    """One input ran past DEADLINE_S (Python code only: one C call runs to its end)."""


DEADLINE_S = int(os.environ.get("ROBUSTNESS_DEADLINE_S", "30"))


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail, rather than hang, an input that runs past `seconds`; only where no other alarm
    is set (fuzz/fuzz_specs.py --no-fork sets its own) and in the main thread."""

    def fire(signum: int, frame: object) -> None:
        raise TooSlow(f"still running after {seconds} s")

    usable = (
        threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0
    )
    if not usable:
        yield
        return
    before = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, before)


class Unsafe(AssertionError):
    """Output that a terminal, an editor or a compiler would read as more than text: a raw
    control, line-separator or bidi character, a name's line break, or the content of a
    file outside the spec's folder."""


# in every file include_layout puts outside the spec's folder: no message may show it
SECRET = "SECRET-7c1d"
BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_char(c: str) -> bool:
    """Characters no rendered table, message or generated file should hold raw (a newline
    and a tab are layout; Makefiles need tabs)."""
    if c in "\n\t":
        return False
    return unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in BIDI


def check_output(text: str, what: str, names: Iterable[str]) -> None:
    """`text` (a rendered table, a generated file) holds no unsafe character, and no line
    break of a name raw (three characters around it, as the name has them)."""
    bad = sorted(c for c in set(text) if unsafe_char(c))  # each distinct character once
    if bad:
        raise Unsafe(f"{what} holds raw {', '.join(map(repr, bad))}")
    for name in names:
        for m in re.finditer(r"(?<=\S{3})[\n\r\x0b\x0c](?=\S{3})", name):
            window = name[m.start() - 3 : m.end() + 3]
            if window in text:
                raise Unsafe(f"{what} holds the line break of the name {name!r} raw")


def check_message(message: str) -> None:
    if SECRET in message:
        raise Unsafe(f"a message shows a file outside the spec's folder: {message!r}")


LAYOUT = ROOT / "fuzz" / "seeds" / "layout"


def include_layout(root: Path) -> Path:
    """Under `root` (a fresh temporary folder; nothing is written elsewhere): a copy of
    fuzz/seeds/layout/ as the spec folder (net.yaml, lib/blocks.yaml), symlinks out of it (a
    folder, a file), a symlink loop, a dangling symlink, and files outside it holding SECRET.
    Returns the spec folder. mutate.INCLUDES names these paths; mutate.escaping_include uses
    `kept` (defined inside) or `stolen` (only outside)."""
    inside = (LAYOUT / "lib" / "blocks.yaml").read_text(encoding="utf-8")
    outside = (
        f"# {SECRET}: outside the spec's folder\nblocks:\n  stolen:\n"
        f"    layers:\n      - {{name: {SECRET}, type: relu}}\n"
    )
    spec = root / "spec"
    shutil.copytree(LAYOUT, spec)
    (spec / "deep" / "a" / "b").mkdir(parents=True)
    (spec / "deep" / "blocks.yaml").write_text(inside, encoding="utf-8")
    (spec / "deep" / "secret.yaml").write_text(inside, encoding="utf-8")
    (root / "outside.yaml").write_text(outside, encoding="utf-8")
    (root / "blocks.yaml").write_text(outside, encoding="utf-8")
    (root / "secret.yaml").write_text(f"{SECRET}: [unclosed\n", encoding="utf-8")
    (root / "up").mkdir()
    (root / "up" / "outside.yaml").write_text(outside, encoding="utf-8")
    # L/../../x is deep/x through the link (inside: both exist there), but ../x by text
    # (outside): a check and an open that disagree on `..` after a symlink escape
    (spec / "L").symlink_to(Path("deep") / "a" / "b", target_is_directory=True)
    (spec / "up").symlink_to(root / "up", target_is_directory=True)
    (spec / "link.yaml").symlink_to(root / "outside.yaml")
    (spec / "loop.yaml").symlink_to("loop.yaml")
    (spec / "dangling.yaml").symlink_to("nowhere.yaml")
    return spec


def check_problem(p: Problem) -> None:
    if not p.pos.file or p.pos.line < 1 or p.pos.col < 1:
        raise Unlocated(f"problem without a line and column: {p.format()!r}")
    # spec text may sit in the fields (a refused name); what is printed must be one line
    if not p.message.strip() or not p.format().isprintable():
        raise Unlocated(f"a problem must be one non-empty printable line: {p.format()!r}")
    if not re.fullmatch(r"[A-Z]+\d{3}", p.code):
        raise Unlocated(f"problem without a code: {p.format()!r}")
    check_message(p.format())


def run_text(
    text: str,
    file: str,
    *,
    render: bool = True,
    table: bool = True,
    codegen: bool = False,
    cuda: bool = False,
) -> Outcome:
    """parse -> build -> analyze -> the renderers (rich's table is the slow one) -> torch
    codegen, parsed with ast -> CUDA codegen; every output checked by check_output. An input
    still running after DEADLINE_S fails (TooSlow) rather than hanging the caller."""
    with deadline(DEADLINE_S):
        return _run_text(text, file, render, table, codegen, cuda)


def _run_text(
    text: str, file: str, render: bool, table: bool, codegen: bool, cuda: bool
) -> Outcome:
    from cnncalc.analysis.engine import analyze
    from cnncalc.spec.load import build
    from cnncalc.spec.yamlpos import parse_text

    try:
        report = analyze(build(parse_text(text, file)))
        names = [report.name, file, *(s.name for s in report.layers)]
        if not os.environ.get("CNNCALC_INCLUDE_ANYWHERE") and any(SECRET in n for n in names):
            raise Unsafe(f"{file}: a block from a file outside the spec's folder was used")
        if render:
            for what, out in render_all(report, table):
                check_output(out, what, names)
        if codegen:
            check_output(generate(report), "the torch code", names)
        if cuda:
            for what, out in generate_cuda(report).items():
                check_output(out, what, names)
    except SpecError as err:
        if not err.problems:
            raise Unlocated("a SpecError with no problems") from err
        for p in err.problems:
            check_problem(p)
        return Outcome(False, err.problems)
    except UsageError as err:
        if not str(err).strip():
            raise Unlocated("a UsageError with no message") from err
        check_message(str(err))
        return Outcome(False, [], str(err))
    return Outcome(True, [], report=report)


def render_all(report: object, table: bool = True) -> list[tuple[str, str]]:
    """(format, text) for every renderer."""
    from rich.console import Console

    from cnncalc.analysis.engine import Report
    from cnncalc.cli.report import RICH_ROWS  # the layers past which a terminal is plain
    from cnncalc.render.json import render
    from cnncalc.render.table import print_table
    from cnncalc.render.text import csv_table, markdown_table
    from cnncalc.render.values import PARAM_COLUMNS

    assert isinstance(report, Report)
    from cnncalc.render.boxtable import draw

    ascii_outputs = [
        render(report, True, "float32", True, ascii=True),
        markdown_table(report, PARAM_COLUMNS, totals=True, ascii=True, explain=True),
    ]
    assert all(o.isascii() for o in ascii_outputs)
    drawn = draw(report, PARAM_COLUMNS, totals=True, explain=True, ascii=True)
    assert drawn is None or drawn.isascii()
    out = [
        ("json", str(render(report, True, "float32", True))),
        ("csv", str(csv_table(report, PARAM_COLUMNS, totals=True, explain=True))),
        ("markdown", ascii_outputs[1]),
        ("the table", str(draw(report, PARAM_COLUMNS, totals=True, explain=True, dtype="int8"))),
    ]
    # rich costs ~0.8 ms a row for each table a narrow page splits into (docs/performance.md):
    # a 20,000-layer report takes 30 s, which is its known linear cost, not a hang
    if table and len(report.layers) <= RICH_ROWS:
        # names print as written (no markup), at a width that splits the table, and in ASCII
        for width, ascii in ((60, False), (200, True)):
            buffer = io.StringIO()
            console = Console(file=buffer, width=width)
            print_table(
                report, PARAM_COLUMNS, console, totals=True, explain=True, dtype="int8", ascii=ascii
            )
            assert not ascii or buffer.getvalue().isascii()
            out.append((f"rich's table at {width} columns", buffer.getvalue()))
    return out


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


def generate_cuda(report: object) -> dict[str, str]:
    """The CUDA module's files; {} where the spec cannot lower."""
    from cnncalc.analysis.engine import Report
    from cnncalc.codegen.cuda import Unsupported, generate

    assert isinstance(report, Report)
    try:
        return generate(report).files
    except SpecError as err:
        for p in err.problems:
            check_problem(p)
    except (Unsupported, UsageError) as err:
        if not str(err).strip() or not str(err).isprintable():
            raise Unlocated(f"CUDA codegen refused without one printable line: {err!r}") from err
        check_message(str(err))
    return {}


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
