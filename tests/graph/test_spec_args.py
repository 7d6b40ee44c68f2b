"""A spec's `args:` and `--set` (spec/args.py): a member of a family is the spec with its
values written out, every command takes --set, a bad --set is one line and exit 2, a bad
`args:` is a located spec error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cnncalc.api import analyze, load, loads
from cnncalc.cli.app import app
from cnncalc.errors import SpecError, UsageError

ROOT = Path(__file__).resolve().parents[2]

FAMILY = """\
name: "$'net-' + str(width)"
args:
  width: {default: 1.0, min: 0.25, max: 2}
  depth: {default: 2, choices: [1, 2, 3]}
  act: {default: relu, choices: [relu, silu]}
  resolution: 32
  stem: $make_divisible(16 * width, 8)
input: {channels: 3, height: $resolution, width: $resolution}
blocks:
  unit:
    args: {c}
    layers:
      - {type: conv2d, out_channels: "$make_divisible(c * width, 8)", kernel_size: 3, padding: 1}
      - {type: $act}
layers:
  - {type: conv2d, out_channels: $stem, kernel_size: 3, stride: 2, padding: 1}
  - {type: unit, c: 40, repeat: $depth}
  - {type: conv2d, out_channels: $ceil(100 * width), kernel_size: 1, if: $depth > 1}
"""


def written_out(width: float, depth: int, act: str, res: int) -> str:
    """The same member with its values written by hand (the authority: the plain spec)."""

    def md(v: float) -> int:  # torchvision's _make_divisible to 8
        new = max(8, int(v + 4) // 8 * 8)
        return new + 8 if new < 0.9 * v else new

    units = "".join(
        f"  - {{name: unit_{k + 1}, layers: [{{type: conv2d, out_channels: {md(40 * width)},"
        f" kernel_size: 3, padding: 1}}, {{type: {act}}}]}}\n"
        for k in range(depth)
    )
    last = (
        f"  - {{type: conv2d, out_channels: {-int(-100 * width // 1)}, kernel_size: 1}}\n"
        if depth > 1
        else ""
    )
    return (
        f"name: net\ninput: {{channels: 3, height: {res}, width: {res}}}\nlayers:\n"
        f"  - {{type: conv2d, out_channels: {md(16 * width)}, kernel_size: 3, stride: 2,"
        f" padding: 1}}\n" + units + last
    )


@pytest.mark.parametrize(
    ("sets", "values"),
    [
        ({}, (1.0, 2, "relu", 32)),
        ({"width": "0.5"}, (0.5, 2, "relu", 32)),
        ({"width": "1.3", "depth": "3", "act": "silu", "resolution": "57"}, (1.3, 3, "silu", 57)),
        ({"depth": "1", "width": "2"}, (2, 1, "relu", 32)),
    ],
)
def test_a_member_is_the_spec_with_its_values_written_out(
    sets: dict[str, str], values: tuple[float, int, str, int]
) -> None:
    member = analyze(loads(FAMILY, "family.yaml", sets))
    plain = analyze(loads(written_out(*values), "plain.yaml"))
    assert [(s.output_shape, s.counts) for s in member.layers] == [
        (s.output_shape, s.counts) for s in plain.layers
    ]
    assert member.network.args["width"] == values[0]
    assert member.network.name == f"net-{values[0]}"
    # the default that reads width follows it
    assert member.network.args["stem"] == member.layers[0].output_shape[0]


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (["width=3"], "--set width=3: 3 is above its maximum 2"),
        (["width=0.1"], "--set width=0.1: 0.1 is below its minimum 0.25"),
        (["depth=4"], "--set depth=4: 4 is not one of its choices (1, 2, 3)"),
        (["depth=2.5"], "--set depth=2.5: 2.5 is not one of its choices"),
        (["act=tanh"], "--set act=tanh: 'tanh' is not one of its choices ('relu', 'silu')"),
        (["width=abc"], "--set width=abc: not a number"),
        (["resolution=1.5"], "--set resolution=1.5: resolution takes an integer"),
        (["widht=1"], "--set widht: the spec has no argument 'widht'; did you mean 'width'?"),
        (["width"], "--set 'width': write NAME=VALUE"),
        (["width=1", "width=2"], "--set width: given twice"),
    ],
)
def test_a_bad_set_is_one_line_and_exit_2_in_every_command(
    given: list[str], message: str, tmp_path: Path
) -> None:
    spec = tmp_path / "family.yaml"
    spec.write_text(FAMILY, encoding="utf-8")
    sets = [a for g in given for a in ("--set", g)]
    commands = [
        ["params", str(spec)],
        ["shapes", str(spec)],
        ["sizes", str(spec)],
        ["memory", str(spec)],
        ["lint", str(spec)],
        ["codegen", "torch", str(spec)],
        ["codegen", "cuda", str(spec), "-o", str(tmp_path / "cu")],
        ["sweep", str(spec), "--grid", "resolution=16,32"],
    ]
    for command in commands:
        res = CliRunner().invoke(app, [*command, *sets])
        assert res.exit_code == 2, (command, res.stdout, res.stderr)
        lines = res.stderr.splitlines()
        assert len(lines) == 1 and message in lines[0], (command, res.stderr)
        assert not (tmp_path / "cu").exists()


def test_set_in_every_command_changes_what_it_reads(tmp_path: Path) -> None:
    spec = tmp_path / "family.yaml"
    spec.write_text(FAMILY, encoding="utf-8")
    narrow = ["--set", "width=0.5", "--set", "resolution=16"]

    def run(*args: str) -> str:
        res = CliRunner().invoke(app, [*args, str(spec), *narrow])
        assert res.exit_code == 0, res.stderr
        return res.stdout + res.stderr

    assert "8x8x8" in run("shapes", "-f", "csv")  # 16 → 8 by the stride-2 stem, 8 channels
    assert "net-0.5" in run("params")
    assert "3×16×16" in run("sizes")
    # torch's module at width 0.5: 8 stem channels, 24 in the units (make_divisible(20, 8))
    code = run("codegen", "torch")
    assert "nn.Conv2d(3, 8," in code and "nn.Conv2d(8, 24," in code
    assert "saved for backward" in run("memory")
    assert "All checks passed" in run("lint")
    res = CliRunner().invoke(
        app, ["sweep", str(spec), "--set", "width=0.5", "-g", "depth=1,2", "-q"]
    )
    assert res.exit_code == 0, res.stderr
    member = analyze(loads(FAMILY, "f.yaml", {"width": "0.5", "depth": "2"}))
    assert res.stdout.splitlines()[2].split(",")[2] == str(member.totals.params)


def test_the_fast_path_takes_set_as_typer_does() -> None:
    """The console script (cli/fast.py), as a real process: --set repeated and --set=."""
    spec = str(ROOT / "specs" / "mobilenet_v2.yaml")
    cmd = [sys.executable, "-m", "cnncalc", "shapes", spec, "-f", "csv"]
    out = subprocess.run(
        [*cmd, "--set", "width=0.5", "--set=resolution=160"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1].endswith(",16x80x80")  # make_divisible(32 · 0.5, 8)
    bad = subprocess.run([*cmd, "--set", "width=9"], capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "cnncalc: --set width=9: 9 is above its maximum 4\n"


@pytest.mark.parametrize(
    ("args", "where", "message"),
    [
        ("args: [1]", "2:7", "E110 args must map names to defaults"),
        (
            "args: {w: {default: 1, min: 2}}",
            "2:11",
            "E110 argument 'w': default 1 is below its minimum 2",
        ),
        (
            "args: {w: {default: 5, choices: [1, 2]}}",
            "2:11",
            "E110 argument 'w': default 5 is not one of",
        ),
        ("args: {w: {min: 2}}", "2:11", "E110 argument 'w' needs a default"),
        ("args: {w: {default: 1, mni: 2}}", "2:24", "E110 unknown key 'mni' in argument 'w'"),
        (
            "args: {w: {default: 1, min: 3, max: 2}}",
            "2:37",
            "E110 argument 'w': max 2 is below min 3",
        ),
        ("args: {w: {default: 1, min: x}}", "2:29", "E110 min of argument 'w' must be a number"),
        ("args: {w: {default: 1, choices: []}}", "2:33", "E110 choices of argument 'w'"),
        ("args: {i: 1}", "2:8", "E110 argument 'i' would hide the repeat index"),
        ("args: {if: 1}", "2:8", "E110 bad argument name 'if'"),
        ("args: {w: $v * 2}", "2:11", "E111 argument 'w': unknown name 'v'"),
        ("args: {w}", "2:9", "E110 argument 'w' needs a default"),
    ],
)
def test_a_bad_args_entry_is_a_located_spec_error(args: str, where: str, message: str) -> None:
    text = (
        f"name: x\n{args}\ninput: {{features: 4}}\nlayers:\n  - {{type: linear, out_features: 2}}\n"
    )
    with pytest.raises(SpecError) as err:
        loads(text, "x.yaml")
    assert f"x.yaml:{where}: {message}" in str(err.value)


def test_a_bad_value_from_an_argument_is_located_where_it_is_used() -> None:
    text = (
        "name: x\nargs: {c: 2.5}\ninput: {features: $c * 2}\n"
        "layers:\n  - {type: linear, out_features: $c}\n"
    )
    with pytest.raises(SpecError) as err:
        loads(text, "x.yaml")
    assert "x.yaml:3:" in str(err.value) and "input features" in str(err.value)
    ok = loads(text, "x.yaml", {"c": "3"})  # 3 is an integer, as YAML reads it
    assert ok.input_shape == (6,)


def test_included_blocks_do_not_see_the_spec_arguments(tmp_path: Path) -> None:
    (tmp_path / "lib.yaml").write_text(
        "blocks:\n  b:\n    layers:\n      - {type: linear, out_features: $width}\n"
    )
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "name: x\ninclude: lib.yaml\nargs: {width: 4}\ninput: {features: 3}\n"
        "layers:\n  - {type: b}\n"
    )
    with pytest.raises(SpecError, match="unknown name 'width'"):
        load(spec)


def test_set_on_a_spec_without_args() -> None:
    with pytest.raises(UsageError, match="has no argument 'width'; its arguments: none"):
        load(ROOT / "specs" / "lenet5.yaml", {"width": "1"})
