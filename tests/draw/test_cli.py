"""`cnncalc draw`: what it writes, by the output's suffix, and its exit codes (0 drawn, 1 a
spec error, located, 2 a usage error)."""

from __future__ import annotations

import importlib.util
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cnncalc.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
LENET = str(ROOT / "specs" / "lenet5.yaml")
HAS_CAIRO = importlib.util.find_spec("cairosvg") is not None


def cli(*args: str | Path) -> Any:
    return CliRunner().invoke(app, ["draw", *(str(a) for a in args)], catch_exceptions=False)


@pytest.mark.parametrize(
    "extra", [[], ["--rankdir", "LR"], ["--depth", "1"], ["--style", "stack"], ["-i", "1x64x64"]]
)
def test_draws_an_svg(tmp_path: Path, extra: list[str]) -> None:
    out = tmp_path / "net.svg"
    res = cli(LENET, "-o", out, *extra)
    assert res.exit_code == 0, res.stderr
    root = ET.parse(out).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    labels = "".join(root.itertext())
    assert ("C1" in labels) and ("60×60" in labels if extra[-1:] == ["1x64x64"] else True)


def test_svg_to_stdout() -> None:
    res = cli(LENET, "-o", "-")
    assert res.exit_code == 0
    ET.fromstring(res.stdout)


@pytest.mark.skipif(not HAS_CAIRO, reason="the image extra (CairoSVG) is not installed")
@pytest.mark.parametrize(("suffix", "magic"), [(".png", b"\x89PNG\r\n\x1a\n"), (".PDF", b"%PDF-")])
def test_png_and_pdf(tmp_path: Path, suffix: str, magic: bytes) -> None:
    out = tmp_path / f"net{suffix}"
    res = cli(LENET, "-o", out, "--style", "stack")
    assert res.exit_code == 0, res.stderr
    assert out.read_bytes().startswith(magic)


def test_png_needs_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "cairosvg", None)  # import fails as if not installed
    res = cli(LENET, "-o", tmp_path / "net.png")
    assert res.exit_code == 2
    assert "cnncalc[image]" in res.stderr
    assert not (tmp_path / "net.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "net.gif"], "give a file ending in .svg, .png or .pdf"),
        (["-o", "net"], "give a file ending in .svg, .png or .pdf"),
        (["-o", "net.svg", "--depth", "0"], "--depth 0"),
        (["-o", "net.svg", "--rankdir", "BT"], "--rankdir"),
        (["-o", "net.svg", "--style", "fancy"], "--style"),
        (["-o", "net.svg", "-i", "3x32"], "--input"),
        (["-o", "net.svg", "--style", "stack", "-i", "1xHxW", "--symbols", "H>=32, W>=32"],
         "sized by numbers"),
    ],
)  # fmt: skip
def test_usage_errors_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    args = [str(tmp_path / a) if a.startswith("net") else a for a in args]
    res = cli(LENET, *args)
    assert res.exit_code == 2
    assert message in res.stderr
    assert not list(tmp_path.iterdir())  # nothing written


def test_missing_output_is_a_usage_error() -> None:
    assert cli(LENET).exit_code == 2


def test_spec_errors_exit_1_located(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "name: bad\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {name: c, type: conv2d, out_channels: 2, kernel_size: 7}\n"
    )
    out = tmp_path / "bad.svg"
    res = cli(spec, "-o", out)
    assert res.exit_code == 1
    assert res.stderr.startswith(f"{spec}:4:")
    assert "Traceback" not in res.stderr
    assert not out.exists()


def test_unwritable_output_exits_1(tmp_path: Path) -> None:
    res = cli(LENET, "-o", tmp_path / "no" / "such" / "dir.svg")
    assert res.exit_code == 1
    assert "cannot write" in res.stderr


def test_spec_from_stdin(tmp_path: Path) -> None:
    out = tmp_path / "net.svg"
    text = Path(LENET).read_text(encoding="utf-8")
    res = CliRunner().invoke(app, ["draw", "-", "-o", str(out)], input=text)
    assert res.exit_code == 0, res.stderr
    assert 'data-layer="C3"' in out.read_text(encoding="utf-8")
