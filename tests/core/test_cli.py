"""The CLI: --explain's arithmetic, --input, --dtype, exit codes 0/1/2 (in-process and as a real
subprocess, so the console script and 'no traceback' are checked too)."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from core_util import LENET, checked_explain_lines, cli

WINDOW = re.compile(r"^(\w+): ([LDHW]) = ⌊\((\d+) − (\d+) \+ 2·(\d+)\)/(\d+)⌋ \+ 1 = (\d+)$")


def test_explain_prints_the_issue_example() -> None:
    res = cli("params", LENET, "--explain")
    assert res.exit_code == 0
    lines = res.stdout.splitlines()
    assert "C1: H = ⌊(32 − 5 + 2·0)/1⌋ + 1 = 28" in lines
    assert "C1: W = ⌊(32 − 5 + 2·0)/1⌋ + 1 = 28" in lines


EXPLAIN_SPEC = """\
name: explained
input: {channels: 3, height: 31, width: 29}
layers:
  - {name: a, type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1}
  - {name: b, type: maxpool2d, kernel_size: 3, stride: 2, ceil_mode: true}
  - {name: c, type: conv2d, out_channels: 8, kernel_size: 3, groups: 4, dilation: 2,
     padding: [2, 1]}
  - {name: d, type: avgpool2d, kernel_size: 2}
  - {name: e, type: flatten}
  - {name: f, type: linear, out_features: 10}
"""


@pytest.mark.parametrize("spec", ["lenet", "explained"])
def test_explain_arithmetic_is_right(spec: str, tmp_path: Path) -> None:
    """Every 'X = … = N' line evaluates to N, and window lines agree with the reported shapes."""
    path = LENET
    if spec == "explained":
        path = tmp_path / "explained.yaml"
        path.write_text(EXPLAIN_SPEC, encoding="utf-8")
    res = cli("params", path, "--explain", "--format", "json")
    assert res.exit_code == 0, res.stderr
    layers = json.loads(res.stdout)["layers"]
    checked = 0
    for d in layers:
        dims = d["output_shape"][1:]
        axes = dict(zip("HW" if len(dims) == 2 else "L", dims, strict=False))
        for label, result in checked_explain_lines(d["explain"]):
            if label in axes:
                assert result == axes[label], (d["name"], label)
            if label == "params":
                assert result == d["params"], d["name"]
            if label == "connections":
                assert result == d["connections"], d["name"]
            checked += 1
    assert checked >= 10


def test_explain_window_lines_in_table_output() -> None:
    res = cli("params", LENET, "--explain")
    windows = [m for line in res.stdout.splitlines() if (m := WINDOW.match(line))]
    assert {m.group(1) for m in windows} == {"C1", "S2", "C3", "S4", "C5"}
    for m in windows:
        w, f, p, s, n = (int(g) for g in m.groups()[2:])
        assert (w - f + 2 * p) // s + 1 == n


def test_input_override() -> None:
    res = cli("params", LENET, "--input", "1x64x64", "--format", "json")
    assert res.exit_code == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["input"] == [1, 64, 64]
    shapes = {d["name"]: d["output_shape"] for d in data["layers"]}
    # 64 → C1 60 → S2 30 → C3 26 → S4 13 → C5 9: 120·9·9 = 9,720 features into F6
    assert shapes["C1"] == [6, 60, 60] and shapes["C5"] == [120, 9, 9] and shapes["flat"] == [9720]
    f6 = next(d for d in data["layers"] if d["name"] == "F6")
    assert f6["trainable_params"] == 84 * (9720 + 1)
    c1 = next(d for d in data["layers"] if d["name"] == "C1")
    assert c1["connections"] == 156 * 60 * 60
    # the same spec, unchanged, still gives the paper's figures without the flag
    assert (
        json.loads(cli("params", LENET, "--format", "json").stdout)["totals"]["trainable_params"]
        == 60_000
    )


def test_input_override_shapes_command() -> None:
    res = cli("shapes", LENET, "-i", "1×36×36", "--format", "json")
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["layers"][0]["output_shape"] == [6, 32, 32]


def test_dtype() -> None:
    f32 = json.loads(cli("params", LENET, "--format", "json").stdout)["memory"]
    f16 = json.loads(cli("params", LENET, "--format", "json", "--dtype", "float16").stdout)[
        "memory"
    ]
    assert f32["param_bytes"] == 60_840 * 4 and f16["param_bytes"] == 60_840 * 2
    assert (f32["dtype"], f16["dtype"]) == ("float32", "float16")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("params", LENET), 0),
        (("shapes", LENET), 0),
        (("params", LENET, "--format", "json"), 0),
        (("params", "no/such/file.yaml"), 2),
        (("params", LENET, "--format", "xml"), 2),
        (("params", LENET, "--dtype", "float7"), 2),
        (("params", LENET, "--bogus"), 2),
        (("params", LENET, "--input", "1x64"), 2),
        (("params", LENET, "--input", "1x0x5"), 2),
        (("params", LENET, "--input", "1x20x20"), 1),  # a valid flag the spec cannot take
    ],
)
def test_exit_codes(args: tuple[str, ...], code: int) -> None:
    res = cli(*args)
    assert res.exit_code == code, (res.stdout, res.stderr)
    if code:
        assert res.stderr and "Traceback" not in res.stderr


def _console_script() -> str:
    exe = Path(sys.executable).with_name("cnncalc")
    found = str(exe) if exe.exists() else shutil.which("cnncalc")
    if not found:
        pytest.skip("the cnncalc console script is not installed")
    return found


def test_console_script_exit_codes_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {name: c, type: conv2d, out_channels: 2, kernel_size: 7}\n",
        encoding="utf-8",
    )
    exe = _console_script()
    for args, code in (([str(bad)], 1), ([str(tmp_path / "missing.yaml")], 2), ([str(LENET)], 0)):
        proc = subprocess.run([exe, "params", *args], capture_output=True, text=True, timeout=60)
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stderr
        if code == 1:
            assert re.match(rf"{re.escape(str(bad))}:4:\d+: E100 layer 'c': ", proc.stderr), (
                proc.stderr
            )


def test_params_json_is_stable_ints() -> None:
    data = json.loads(cli("params", LENET, "--format", "json").stdout)
    for d in data["layers"]:
        for key in ("params", "trainable_params", "non_trainable_params", "connections", "macs"):
            assert isinstance(d[key], int)
    assert math.prod(data["input"]) == 1024
