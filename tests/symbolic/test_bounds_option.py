"""`--symbols 'H>=32'`: bounds for the input's symbols from the command line, laid over the
spec's `symbols:`. The same network bounded in the spec and on the command line must report
the same figures; every bad bound is one line and exit 2."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from cnncalc.api import parse_symbols
from cnncalc.errors import UsageError
from tests.symbolic.kit import ROOT

VGG = ROOT / "specs" / "vgg16.yaml"


def cli(*args: object) -> Result:
    from cnncalc.cli.app import app

    return CliRunner().invoke(app, [str(a) for a in args])


@given(
    name=st.sampled_from(["H", "W", "L", "size_2"]),
    lo=st.integers(1, 10**30),
    span=st.integers(0, 10**6),
    form=st.sampled_from(["ge", "le", "chain", "both", "unicode"]),
    space=st.sampled_from(["", " "]),
)
def test_every_written_form_reads_as_meant(
    name: str, lo: int, span: int, form: str, space: str
) -> None:
    hi = lo + span
    sp = space
    text, want = {
        "ge": (f"{name}{sp}>={sp}{lo}", (lo, None)),
        "le": (f"{name}{sp}<={sp}{hi}", (None, hi)),
        "chain": (f"{lo}{sp}<={sp}{name}{sp}<={sp}{hi}", (lo, hi)),
        "both": (f"{name}>={lo},{sp}{name}<={hi}", (lo, hi)),
        "unicode": (f"{lo}≤{name}≤{hi}", (lo, hi)),
    }[form]
    assert parse_symbols(text) == {name: want}


@pytest.mark.parametrize(
    "text", ["", " , ", "H", "H>32", "H=32", "H>=", "32<=H>=40", "H>=-1", "H>=3.5", "H >= 32 W"]
)
def test_unreadable_bounds_are_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--symbols"):
        parse_symbols(text)


def test_vgg_needs_a_lower_bound_and_the_hint_names_the_option() -> None:
    out = cli("shapes", VGG, "--input", "3xHxW")
    assert out.exit_code == 1
    assert "--symbols 'W>=N'" in out.stderr or "--symbols 'H>=N'" in out.stderr
    ok = cli("shapes", VGG, "--input", "3xHxW", "--symbols", "H>=32, W>=32", "-f", "csv")
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.splitlines()[-1] == "classifier.6,linear,1000"


def test_command_line_bounds_match_the_same_bounds_in_the_spec(tmp_path: Path) -> None:
    text = VGG.read_text()
    text, n = re.subn(
        r"input: \{channels: 3, height: 224, width: 224\}",
        "input: {channels: 3, height: H, width: W}\n"
        "symbols: {H: {min: 32, max: 4096}, W: {min: 32}}",
        text,
    )
    assert n == 1
    bounded = tmp_path / "vgg16_bounded.yaml"
    bounded.write_text(text)
    in_spec = cli("params", bounded, "-f", "json")
    on_line = cli("params", VGG, "-i", "3xHxW", "--symbols", "32<=H<=4096, W>=32", "-f", "json")
    assert in_spec.exit_code == on_line.exit_code == 0, (in_spec.stderr, on_line.stderr)
    a, b = json.loads(in_spec.stdout), json.loads(on_line.stdout)
    assert a["layers"] == b["layers"] and a["totals"] == b["totals"]
    assert "H" in json.dumps(a["totals"])  # symbolic figures, not a plain number


SPEC = (
    "name: s\ninput: {channels: 1, height: H, width: 40}\n"
    "symbols: {H: {min: 32, max: 4096}}\n"
    "layers:\n  - {name: c, type: conv2d, out_channels: 2, kernel_size: [63, 1]}\n"
)


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        ((), 1, "E101"),  # H >= 32 from the spec: a 63-row kernel may not fit
        (("--symbols", "H>=64"), 0, "2x(H - 62)x40"),  # over the spec's min, keeps its max
        (("--symbols", "H>=64", "-i", "1xHx40"), 0, "2x(H - 62)x40"),
        (("--symbols", "H<=20"), 2, "H >= 32 and <= 20: no size is both"),  # the spec's min
        (("--symbols", "H>=0"), 2, "a size is at least 1"),
        (("--symbols", "W>=8"), 2, "'W' is not a symbol of the input; it has H"),
        (("--symbols", "H>=64", "-i", "1x80x40"), 2, "no symbols to bound"),
        (("--symbols", "H>=x"), 2, "cannot read 'H>=x'"),
    ],
)
def test_bounds_are_laid_over_the_specs_and_bad_ones_are_one_line(
    args: tuple[str, ...], code: int, needle: str, tmp_path: Path
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC)
    out = cli("shapes", spec, *args, "-f", "csv", "--ascii")
    assert out.exit_code == code, (out.stdout, out.stderr)
    text = out.stdout if code == 0 else out.stderr
    assert needle in text, text
    if code:
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr


@given(
    text=st.one_of(
        st.text(max_size=40),
        st.lists(
            st.sampled_from(
                ["H", "W", "Q", ">=", "<=", "≥", "≤", "=", ",", " ", "0", "32", "9" * 120]
            ),
            max_size=12,
        ).map("".join),
    )
)
def test_any_text_is_bounds_or_a_usage_error(text: str) -> None:
    """Whatever follows --symbols: bounds, or one UsageError; never another exception."""
    from cnncalc.api import report
    from cnncalc.errors import CnncalcError

    try:
        parse_symbols(text)
    except UsageError:
        return
    with contextlib.suppress(CnncalcError):  # a located problem or a usage error, no other
        report(ROOT / "specs" / "lenet5.yaml", "1xHxW", text)
