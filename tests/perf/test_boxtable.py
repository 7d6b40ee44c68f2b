"""render/boxtable.py draws the report table off a terminal without rich: it must print what
rich prints, character for character, or decline (None) so that rich prints it."""

from __future__ import annotations

import io
import sys
from functools import cache
from pathlib import Path

import pytest
from rich.console import Console

from cnncalc.analysis.engine import LayerStats
from cnncalc.analysis.fold import fold
from cnncalc.api import Report, loads, report
from cnncalc.render import boxtable
from cnncalc.render.table import print_table
from cnncalc.render.values import PARAM_COLUMNS, SHAPE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(p.name for p in (ROOT / "specs").glob("*.yaml"))
VARIANTS = [  # (input, params columns, ascii, explain)
    (None, True, False, False),
    (None, False, False, False),
    (None, True, True, True),
    ("3xHxW", True, False, True),
    ("3xHxW", False, True, False),
]


@cache
def rep(spec: str, inp: str | None) -> Report | None:
    try:
        return report(ROOT / "specs" / spec, inp)
    except Exception:  # e.g. a 1-D or 3-D network with a 3xHxW input
        return None


def rich_prints(r: Report, full: bool, ascii: bool, explain: bool) -> str:
    """cli/report.py's rich path off a terminal."""
    buf = io.StringIO()
    print_table(
        r,
        PARAM_COLUMNS if full else SHAPE_COLUMNS,
        Console(width=boxtable.PAGE, file=buf),
        totals=full,
        explain=explain,
        ascii=ascii,
    )
    return buf.getvalue()


def draws(r: Report, full: bool, ascii: bool = False, explain: bool = False) -> str | None:
    return boxtable.draw(
        r, PARAM_COLUMNS if full else SHAPE_COLUMNS, totals=full, explain=explain, ascii=ascii
    )


@pytest.mark.parametrize("spec", SPECS)
def test_same_text_as_rich_or_none(spec: str) -> None:
    drawn = 0
    for inp, full, ascii, explain in VARIANTS:
        r = rep(spec, inp)
        if r is None:
            continue
        ours = draws(r, full, ascii, explain)
        if ours is not None:
            drawn += 1
            assert ours == rich_prints(r, full, ascii, explain), (inp, full, ascii, explain)
    if spec in ("lenet5.yaml", "resnet50.yaml", "resnet152.yaml"):
        assert drawn >= 3  # the benchmark's tables are drawn, not handed to rich


def test_folded_report() -> None:
    r = fold(rep("resnet50.yaml", None) or pytest.fail("no report"), 2)
    ours = draws(r, True)
    assert ours is not None and ours == rich_prints(r, True, False, False)


def _one(name: str, extra: str = "") -> Report:
    layer = f"{{type: conv2d, out_channels: 2, kernel_size: 3{extra}}}"
    text = f"name: {name}\ninput: {{channels: 1, height: 8, width: 8}}\nlayers:\n  - {layer}\n"
    return report_of(text)


def report_of(text: str) -> Report:
    from cnncalc.api import analyze

    return analyze(loads(text, "t.yaml"))


@pytest.mark.parametrize("name", ["'café'", "'wide 表'", "x" * 190])
def test_declines_what_rich_would_change(name: str) -> None:
    """Characters of other widths, a table wider than the page: rich's."""
    r = _one(name)
    assert draws(r, True) is None
    rich_prints(r, True, False, False)  # and rich does print it


@pytest.mark.parametrize(
    "name", ["'[bold]x[/bold]'", "'a :smile: b'", "'x[/]'", "'[link=u]a[/link]'"]
)
@pytest.mark.parametrize("ascii", [False, True])
def test_markup_and_emoji_codes_print_as_written(name: str, ascii: bool) -> None:
    """Cells are rich Text, not markup: both draw brackets and emoji codes as they are."""
    r = _one(name)
    ours = draws(r, True, ascii)
    assert ours is not None and ours == rich_prints(r, True, ascii, False)
    assert ours.startswith(name.strip("'") + " ")


def test_explanation_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Printed without markup: brackets stay as they are; a line wider than the page is rich's
    to wrap."""
    r = _one("n")
    monkeypatch.setattr(LayerStats, "explain", lambda self: ["[bold] stays [/bold] (5×5)"])
    ours = draws(r, True, explain=True)
    assert ours is not None and ours == rich_prints(r, True, False, True)
    wide = [" ".join(["word"] * (boxtable.PAGE // 5 + 1))]  # wider than the page
    monkeypatch.setattr(LayerStats, "explain", lambda self: wide)
    assert draws(r, True, explain=True) is None
    assert draws(r, True) is not None


def test_plain_stdout_follows_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    """Colour forced by the environment, a terminal or a non-UTF-8 stdout: rich prints."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)

    class Out(io.StringIO):
        def __init__(self, tty: bool, encoding: str) -> None:
            super().__init__()
            self._tty, self._encoding = tty, encoding

        def isatty(self) -> bool:
            return self._tty

        @property
        def encoding(self) -> str:  # type: ignore[override]
            return self._encoding

    monkeypatch.setattr(sys, "stdout", Out(False, "utf-8"))
    assert boxtable.plain_stdout()
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert not boxtable.plain_stdout()
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert boxtable.plain_stdout()
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    assert not boxtable.plain_stdout()
    monkeypatch.delenv("TTY_COMPATIBLE")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setattr(sys, "stdout", Out(True, "utf-8"))
    assert not boxtable.plain_stdout()
    monkeypatch.setattr(sys, "stdout", Out(False, "ascii"))
    assert not boxtable.plain_stdout()
    for forced in ("1", ""):  # rich's own reading of the same environment agrees
        monkeypatch.setenv("FORCE_COLOR", forced)
        monkeypatch.setattr(sys, "stdout", Out(False, "utf-8"))
        assert Console(width=boxtable.PAGE).is_terminal == (not boxtable.plain_stdout())


@pytest.mark.parametrize("spec", ["lenet5.yaml", "resnet50.yaml"])
def test_receptive_field_columns(spec: str) -> None:
    """`params --rf` adds columns; drawn as rich draws them."""
    from cnncalc.analysis.receptive import receptive_fields, with_fields
    from cnncalc.render.values import RF_COLUMNS

    base = rep(spec, None) or pytest.fail("no report")
    r = with_fields(base, receptive_fields(base))
    columns = (*PARAM_COLUMNS, *RF_COLUMNS)
    buf = io.StringIO()
    print_table(r, columns, Console(width=boxtable.PAGE, file=buf), totals=True)
    ours = boxtable.draw(r, columns, totals=True)
    assert ours is not None and ours == buf.getvalue()
