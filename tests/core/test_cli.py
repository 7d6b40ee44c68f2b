"""The CLI: --explain's arithmetic, --input, --dtype, exit codes 0/1/2 (in-process and as a real
subprocess, so the console script and 'no traceback' are checked too)."""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from core_util import LENET, checked_explain_lines, cli
from typer.testing import CliRunner

from cnncalc.cli.app import app

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


# ---- the output, the streams and the entry points (issue 13) --------------------------------
ROOT = LENET.parents[1]
EVERY_COMMAND = [
    ("params", "specs/lenet5.yaml"),
    ("shapes", "specs/lenet5.yaml", "-f", "json"),
    ("lint", "specs/lenet5.yaml"),
    ("sizes", "specs/lenet5.yaml"),
    ("sizes", "specs/lenet5.yaml", "-f", "json"),
    ("codegen", "torch", "specs/lenet5.yaml"),
    ("schema",),
    ("rules",),
    ("rules", "W201"),
    ("rules", "--markdown"),
    ("types",),
    ("types", "conv2d"),
    ("--help",),
    ("params", "-h"),
    ("--version",),
]


def _module(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`python -m cnncalc ARGS` (the console script's entry, through cnncalc/__main__.py)."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "cwd": ROOT, **kw}
    return subprocess.run(
        [sys.executable, "-m", "cnncalc", *args], text=True, timeout=120, **options
    )


def _close_stdout() -> None:  # in the child, before exec: as the shell's `>&-`
    os.close(1)


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=" ".join)
def test_a_full_disk_or_a_closed_stdout_is_one_line_for_every_command(
    args: tuple[str, ...],
) -> None:
    """`cnncalc schema > /dev/full` and `cnncalc schema >&-`: one line and exit 1, as
    `params` already did; before, every command but params/shapes/lint was an internal
    error (and a closed stdout a traceback)."""
    if Path("/dev/full").exists():
        with open("/dev/full", "w") as full:
            proc = _module(*args, stdout=full)
        assert (proc.returncode, proc.stderr) == (
            1,
            "cnncalc: cannot write the output: No space left on device\n",
        )
    proc = _module(*args, stdout=None, preexec_fn=_close_stdout)
    closed = "cnncalc: cannot write the output: Bad file descriptor\n"
    assert (proc.returncode, proc.stderr) == (1, closed)


@pytest.mark.parametrize("args", EVERY_COMMAND, ids=" ".join)
def test_a_closed_pipe_exits_1_quietly_for_every_command(args: tuple[str, ...]) -> None:
    """`cnncalc schema | head -1` where the reader has gone before anything was written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert (proc.wait(timeout=120), err) == (1, "")


def test_head_reading_one_line_leaves_no_traceback() -> None:
    """`cnncalc params specs/resnet152.yaml -f json | head -1`: the reader takes one line and
    goes while the rest (far more than a pipe holds) is still being written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "cnncalc", "params", "specs/resnet152.yaml", "-f", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline() == b"{\n"
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert (proc.wait(timeout=120), err) == (1, "")


def test_version_is_the_package_version() -> None:
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    proc = _module("--version")
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, f"cnncalc {version}\n", "")
    assert cli("--version").stdout == f"cnncalc {version}\n"


@pytest.mark.parametrize(
    "command", [(), ("params",), ("lint",), ("sizes",), ("codegen",), ("codegen", "torch")]
)
def test_dash_h_is_help_everywhere(command: tuple[str, ...]) -> None:
    short, long = cli(*command, "-h"), cli(*command, "--help")
    assert (short.exit_code, short.stdout) == (0, long.stdout)
    assert long.stdout.startswith(f"Usage: cnncalc {' '.join(command)}".rstrip() + " [OPTIONS]")
    assert "-h, --help" in short.stdout


def test_python_m_cnncalc_is_the_console_script(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {name: c, type: conv2d, out_channels: 2, kernel_size: 7}\n",
        encoding="utf-8",
    )
    exe = _console_script()
    for args in (("params", str(LENET)), ("params", str(bad)), ("params", "missing.yaml"), ()):
        ours = _module(*args)
        theirs = subprocess.run([exe, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert (ours.returncode, ours.stdout) == (theirs.returncode, theirs.stdout)
        assert ours.stderr.replace("python -m cnncalc", "cnncalc") == theirs.stderr
    assert _module("params", str(LENET)).returncode == 0


# `-` is standard input: messages say <stdin>:line:col
BAD_STDIN = (
    "name: x\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
    "  - {name: c, type: conv2d, out_channels: 2, kernel_size: 7}\n"
)


@pytest.mark.parametrize(
    "args",
    [
        ("params", "-"),
        ("shapes", "-", "-f", "csv"),
        ("sizes", "-"),
        ("codegen", "torch", "-"),
        ("lint", "-"),
    ],
    ids=" ".join,
)
def test_dash_reads_the_spec_from_stdin(args: tuple[str, ...]) -> None:
    text = LENET.read_text(encoding="utf-8")
    from_file = cli(*[str(LENET) if a == "-" else a for a in args])
    from_stdin = CliRunner().invoke(app, list(args), input=text)
    assert from_stdin.exit_code == from_file.exit_code == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout.replace(str(LENET), "<stdin>")
    bad = CliRunner().invoke(app, list(args), input=BAD_STDIN)
    assert bad.exit_code == 1
    said = bad.stdout + bad.stderr  # lint reports on stdout
    assert "<stdin>:4:" in said and "layer 'c'" in said, said


def test_stdin_through_the_console_script_and_its_includes(tmp_path: Path) -> None:
    """Includes of a spec on stdin resolve against the current folder, and stay inside it."""
    (tmp_path / "lib.yaml").write_text(
        "blocks:\n  cb:\n    layers:\n      - {type: conv2d, out_channels: 4, kernel_size: 3}\n"
    )
    spec = "input: {channels: 1, height: 8, width: 8}\ninclude: lib.yaml\nlayers:\n  - {type: cb}\n"
    run = _module("params", "-", "-f", "json", input=spec, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["totals"]["trainable_params"] == 4 * 9 + 4
    outside = spec.replace("lib.yaml", "../lib.yaml")
    run = _module("params", "-", input=outside, cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.startswith("<stdin>:2:10: E113 include '../lib.yaml' is outside"), run.stderr
    run = _module("params", "-", stdin=subprocess.DEVNULL)
    empty = "<stdin>:1:1: E001 the file is empty (hint: write a spec: name, input, layers)\n"
    assert (run.returncode, run.stderr) == (1, empty)


def test_a_closed_stdin_is_a_usage_error() -> None:
    run = _module("params", "-", stdin=None, preexec_fn=lambda: os.close(0))
    assert (run.returncode, run.stderr) == (2, "cnncalc: <stdin>: standard input is closed\n")


def test_the_readmes_use_section_runs() -> None:
    """Every line of README's Use block, as a shell runs it, with this Python's cnncalc."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Use\n", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    version = None
    for line in block.splitlines():
        command = line.split("  #", 1)[0].strip()
        shell = re.sub(
            r"(?<![\w-])(python -m )?cnncalc ",
            f"{shlex.quote(sys.executable)} -m cnncalc ",
            command,
        )
        proc = subprocess.run(
            ["bash", "-c", shell], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert proc.returncode == 0, (command, proc.stderr)
        assert proc.stdout and not proc.stderr, command
        if command == "cnncalc --version":
            version = proc.stdout
    assert version == line_after(block, "cnncalc --version")


def line_after(block: str, command: str) -> str:
    """The comment on a command's line: what it prints."""
    [line] = [x for x in block.splitlines() if x.startswith(command + " ")]
    return line.split("# ", 1)[1] + "\n"
