"""The fast entry point (cli/fast.py) must be the typer app, only quicker: the same options
with the same defaults, the same call into emit, the same output and exit codes; and every
command line it does not take plainly goes to typer."""

from __future__ import annotations

import inspect
import io
import subprocess
import sys
import typing
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cnncalc.cli import fast, params, report, shapes
from cnncalc.cli.app import app
from cnncalc.cli.common import By, DType, Format, Units

ROOT = Path(__file__).resolve().parents[2]
COMMAND_FUNCTIONS = {"shapes": shapes.shapes, "params": params.params}
TO_EMIT = {  # typer's parameter -> emit's keyword
    "input": "input_text",
    "format": "fmt",
    "symbols": "symbols_text",
    "set": "sets",
}
KIND_OF_TYPE = {
    str: "text",
    int: "int",
    Format: "Format",
    DType: "DType",
    By: "By",
    Units: "Units",
    list[str]: "multi",
}
BAD_SPEC = (  # a 9×9 kernel on an 8×8 input: one located error, exit 1
    "name: bad\ninput: {channels: 1, height: 8, width: 8}\n"
    "layers:\n  - {type: conv2d, out_channels: 4, kernel_size: 9}\n"
)

PARSED = [
    ["params", "specs/lenet5.yaml"],
    ["params", "specs/lenet5.yaml", "--format", "json"],
    ["params", "--format=csv", "specs/lenet5.yaml"],
    ["params", "specs/lenet5.yaml", "-f", "markdown", "--ascii"],
    ["params", "specs/lenet5.yaml", "-e", "--dtype", "float16"],
    ["params", "./specs//lenet5.yaml", "--explain", "-f", "json", "--dtype=int8"],
    ["params", "specs/resnet50.yaml", "-d", "1"],
    ["params", "specs/resnet50.yaml", "--depth", "0"],
    ["params", "specs/resnet50.yaml", "-i", "3xHxW", "-f", "json"],
    ["params", "specs/lenet5.yaml", "--input", "1x28x28", "-f", "csv"],
    ["params", "specs/lenet5.yaml", "--input", "nonsense"],
    ["params", "specs/lenet5.yaml", "--input", ""],
    ["params", "specs/lenet5.yaml", "--input=", "-f", "csv"],
    ["params", "missing.yaml"],
    ["params", "specs"],
    ["params", "BAD"],
    ["shapes", "specs/lenet5.yaml"],
    ["shapes", "specs/vgg16.yaml", "-i", "3xHxW", "--symbols", "H>=32, W>=32", "-f", "csv"],
    ["params", "specs/vgg16.yaml", "-i", "3xHxW", "--symbols=32<=H<=64,W>=32"],
    ["params", "specs/vgg16.yaml", "--symbols", "H>=32"],
    ["shapes", "specs/resnet50.yaml", "-i", "3x64x64", "-f", "csv", "--ascii"],
    ["shapes", "BAD", "--format", "json"],
    ["params", "specs/efficientnet/efficientnet.yaml", "--set", "phi=1", "--set=resolution=200"],
    ["shapes", "specs/mobilenet_v2.yaml", "--set", "width=0.5", "-f", "csv"],
    ["params", "specs/mobilenet_v2.yaml", "--set", "width=abc"],
    ["params", "specs/lenet5.yaml", "--set", "width=1"],
]
FALLBACK = [
    [],
    ["--help"],
    ["params"],
    ["params", "--help"],
    ["params", "specs/lenet5.yaml", "-f", "JSON"],
    ["params", "specs/lenet5.yaml", "--bogus"],
    ["params", "specs/lenet5.yaml", "specs/lenet5.yaml"],
    ["params", "specs/lenet5.yaml", "-fjson"],
    ["params", "specs/lenet5.yaml", "-f=json"],
    ["params", "specs/lenet5.yaml", "--ascii=yes"],
    ["params", "specs/lenet5.yaml", "--ascii", "--ascii"],
    ["params", "specs/lenet5.yaml", "--depth", "x"],
    ["params", "specs/lenet5.yaml", "--depth", "-1"],
    ["params", "specs/lenet5.yaml", "--depth"],
    ["params", "specs/lenet5.yaml", "--set"],
    ["params", "specs/lenet5.yaml", "--set", "-x=1"],
    ["params", "specs/lenet5.yaml", "-i", "-3"],
    ["params", "--", "specs/lenet5.yaml"],
    ["params", ""],
    ["shapes", "specs/lenet5.yaml", "--explain"],
    ["shapes", "specs/lenet5.yaml", "--dtype", "int8"],
    ["rules"],
    ["-h"],
    ["--version"],
    ["params", "-h"],
    ["params", "specs/lenet5.yaml", "-h"],
    ["shapes", "-", "-"],
    ["params", "-", "--input", "-"],
]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")  # what fast.main sets
    monkeypatch.setenv("COLUMNS", "80")  # help text wraps to the terminal: one width for both
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_SPEC)
    return bad


def argv(args: list[str], bad: Path) -> list[str]:
    return [str(bad) if a == "BAD" else a for a in args]


def via_typer(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    assert not isinstance(result.exception, AssertionError)
    return result.exit_code, result.stdout, result.stderr


def via_fast(
    args: list[str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    entry: str = "cnncalc.cli.fast",
) -> tuple[int, str, str]:
    """The console script's main() in-process, standalone as in a terminal, not CliRunner."""
    main = __import__(entry, fromlist=["main"]).main
    monkeypatch.setattr(sys, "argv", ["cnncalc", *args])
    # as under the console script, where __main__ is no package: typer's usage lines then
    # name the program after argv[0], as CliRunner names it after the app
    monkeypatch.setattr(sys.modules["__main__"], "__package__", None, raising=False)
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return (0 if code is None else code), out, err


def typer_options(command: str) -> dict[str, tuple[str, str, Any]]:
    """option -> (emit keyword, kind, default), read from typer and the command's signature."""
    hints = typing.get_type_hints(COMMAND_FUNCTIONS[command], include_extras=True)
    cmd = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    out: dict[str, tuple[str, str, Any]] = {}
    for p in cmd.params:
        if p.param_type_name == "argument":
            assert (p.name, p.required, p.nargs) == ("spec", True, 1)
            continue
        assert not p.secondary_opts and p.nargs == 1 and p.envvar is None
        base = typing.get_args(hints[p.name])[0]  # Annotated[T, OptionInfo]
        base = next(t for t in typing.get_args(base) or (base,) if t is not type(None))
        kind = "flag" if p.is_flag else KIND_OF_TYPE[base]
        assert p.multiple == (kind == "multi")  # only a list option repeats
        default = p.default.value if isinstance(p.default, Enum) else p.default
        for opt in p.opts:
            out[opt] = (TO_EMIT.get(p.name, p.name), kind, default)
    return out


@pytest.mark.parametrize("command", sorted(COMMAND_FUNCTIONS))
def test_option_table_is_typers(command: str) -> None:
    theirs = typer_options(command)
    ours = {
        opt: (key, kind, _plain(fast.DEFAULTS[command][key]))
        for opt, (key, kind) in fast.COMMANDS[command].items()
    }
    assert ours == theirs
    assert set(fast.DEFAULTS[command]) == {key for key, _, _ in theirs.values()}


def _plain(v: object) -> object:
    return v.value if isinstance(v, Enum) else v


@pytest.mark.parametrize("args", PARSED, ids=" ".join)
def test_fast_path_calls_emit_as_the_command_does(
    args: list[str], here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def record(*a: Any, **kw: Any) -> None:
        calls.append(dict(inspect.signature(report.emit).bind(*a, **kw).arguments))

    monkeypatch.setattr(params, "emit", record)
    monkeypatch.setattr(shapes, "emit", record)
    full = argv(args, here)
    assert via_typer(full)[0] == 0 and len(calls) == 1
    parsed = fast.parse(full)
    assert parsed is not None
    command, kw = parsed
    assert {**kw, "full": command == "params"} == calls[0]


@pytest.mark.parametrize("args", PARSED, ids=" ".join)
def test_fast_path_prints_what_typer_prints(
    args: list[str], here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = argv(args, here)
    typer_says = via_fast(full, capsys, monkeypatch, "cnncalc.cli.app")
    assert via_fast(full, capsys, monkeypatch) == typer_says
    assert typer_says == via_typer(full)  # and CliRunner, as the other tests run the CLI, agrees


@pytest.mark.parametrize("args", FALLBACK, ids=lambda a: " ".join(a) or "(none)")
def test_everything_else_goes_to_typer(
    args: list[str], here: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fast.parse(args) is None
    assert via_fast(args, capsys, monkeypatch) == via_fast(
        args, capsys, monkeypatch, "cnncalc.cli.app"
    )


# `-` is the spec on standard input, on both paths: (command line, what stdin holds)
FROM_STDIN = [
    (["params", "-"], "specs/lenet5.yaml"),
    (["params", "-f", "json", "-"], "specs/lenet5.yaml"),
    (["shapes", "-", "--ascii", "-i", "1x28x28"], "specs/lenet5.yaml"),
    (["params", "-", "-f", "csv"], "BAD"),
]


@pytest.mark.parametrize(("args", "source"), FROM_STDIN, ids=lambda a: " ".join(a))
def test_stdin_on_both_paths(
    args: list[str],
    source: str,
    here: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = (here if source == "BAD" else ROOT / source).read_text()
    parsed = fast.parse(args)
    assert parsed is not None and parsed[1]["spec"] == "-"

    def fed(entry: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
        return via_fast(args, capsys, monkeypatch, entry)

    typer_says = fed("cnncalc.cli.app")
    assert fed("cnncalc.cli.fast") == typer_says
    result = CliRunner().invoke(app, args, input=text)
    assert typer_says == (result.exit_code, result.stdout, result.stderr)
    named = str(here) if source == "BAD" else source
    from_file = via_typer([named if a == "-" else a for a in args])
    assert typer_says == (
        from_file[0],
        from_file[1].replace(named, "<stdin>"),
        from_file[2].replace(named, "<stdin>"),
    )


def test_shell_completion_requests_go_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setenv("_CNNCALC_COMPLETE", "bash_complete")
    monkeypatch.setattr(sys, "argv", ["cnncalc", "params", "specs/lenet5.yaml"])
    monkeypatch.setattr("cnncalc.cli.app.main", lambda: seen.append(True))
    fast.main()
    assert seen == [True]


@pytest.mark.parametrize(
    "entry", ["cnncalc.cli.fast:main", "cnncalc.cli.app:main", "cnncalc.cli.fast:entry"]
)
@pytest.mark.parametrize("fmt", ["table", "json"])
def test_closed_pipe_exits_1_quietly(entry: str, fmt: str) -> None:
    """`cnncalc params x.yaml | head -1`: when the reader has gone, typer's standalone mode
    exits 1 without a traceback; so does the fast path. (The reader goes before the child has
    written anything, so the write fails whatever the pipe's buffer holds.)"""
    module, function = entry.split(":")
    code = (
        "import sys; sys.argv = ['cnncalc', *sys.argv[1:]]; "
        f"from {module} import {function}; {function}()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "params", "specs/resnet50.yaml", "-f", fmt],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert (proc.wait(timeout=120), err) == (1, "")


ENTRY_CASES = [
    ("params", "specs/lenet5.yaml"),
    ("params", "specs/resnet50.yaml", "-f", "json", "--input", "3xHxW"),
    ("shapes", "specs/lenet5.yaml", "-f", "csv"),
    ("params", "tests/core/data/does-not-exist.yaml"),  # usage: exit 2
    ("params", "specs/lenet5.yaml", "--input", "3x0x0"),  # a spec error: exit 1
    ("params", "specs/lenet5.yaml", "--format", "yaml"),  # typer's path: exits normally
    ("lint", "specs/lenet5.yaml"),
]


def _process(function: str, args: tuple[str, ...], **kw: Any) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; sys.argv = ['cnncalc', *sys.argv[1:]]; "
        f"from cnncalc.cli.fast import {function}; {function}()"
    )
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kw}
    return subprocess.run(
        [sys.executable, "-c", code, *args], text=True, cwd=ROOT, timeout=120, **streams
    )


@pytest.mark.parametrize("args", ENTRY_CASES, ids=" ".join)
def test_the_console_scripts_hard_exit_changes_nothing_a_user_sees(args: tuple[str, ...]) -> None:
    """entry() ends report commands with os._exit after flushing: the same output and exit
    code as main() ending the ordinary way."""
    hard, soft = _process("entry", args), _process("main", args)
    assert (hard.returncode, hard.stdout, hard.stderr) == (
        soft.returncode,
        soft.stdout,
        soft.stderr,
    )
    assert hard.stdout or hard.stderr


@pytest.mark.parametrize(
    ("function", "args"),
    [
        ("entry", ("params", "specs/lenet5.yaml", "-f", "json")),  # written at the exit flush
        ("entry", ("params", "specs/resnet152.yaml", "-f", "json")),  # written as it prints
        ("main", ("params", "specs/resnet152.yaml", "-f", "json")),
        ("main", ("params", "specs/resnet152.yaml")),
        ("main", ("lint", "specs/", "-f", "sarif")),
    ],
)
def test_a_full_disk_is_one_line_and_exit_1(function: str, args: tuple[str, ...]) -> None:
    """Output to /dev/full: Python's own exit flush would print 'Exception ignored' and exit
    120, a failed print() would reach the internal-error line."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = _process(function, args, stdout=full)
    assert (proc.returncode, proc.stderr) == (
        1,
        "cnncalc: cannot write the output: No space left on device\n",
    )
