"""The console script: `cnncalc shapes|params SPEC [options]` without typer.

Importing typer and every command module (lint, rules, schema and theirs) costs more than
analysing a ResNet-50 (docs/performance.md), so the two report commands are parsed here from
the table of their options that typer's declarations are built from too (cli/options.py),
and run through the same `emit` and error mapping. Anything this parser does not take as
plainly valid (--help, an unknown, repeated or attached short option, `--`, a value typer
would have to check or reject) goes to the typer app untouched, which answers exactly as it
always has. tests/perf/test_fast_cli.py checks this parser's view of the table against
typer's view of the two commands and compares both paths' output and exit codes.
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from cnncalc.cli.common import By, DType, Format, Units
from cnncalc.cli.options import REPORTS

# option -> (emit's keyword, kind), and emit's keywords with their defaults, per command:
# read from the one table of options (cli/options.py) that typer's declarations come from
_ENUMS = {e.__name__: e for e in (Format, DType, By, Units)}  # choices: the enum's name
_KINDS: dict[object, str] = {
    bool: "flag",
    str: "text",
    int: "int",
    list[str]: "multi",  # repeatable text (--set), collected in order
}
_KINDS.update({e: name for name, e in _ENUMS.items()})
COMMANDS: dict[str, dict[str, tuple[str, str]]] = {
    command: {name: (o.keyword, _KINDS[o.type]) for o in opts for name in o.names}
    for command, opts in REPORTS.items()
}
DEFAULTS: dict[str, dict[str, Any]] = {
    command: {o.keyword: o.default for o in opts} for command, opts in REPORTS.items()
}
_COMPLETE_ENV = "_CNNCALC_COMPLETE"  # click's shell-completion request: typer's business


def _value(kind: str, text: str) -> object | None:
    """The option's value as typer would convert it, or None where typer must decide."""
    if kind in ("text", "multi"):
        return text
    if kind in _ENUMS:
        enum = _ENUMS[kind]
        return enum(text) if text in enum._value2member_map_ else None
    if kind == "int":
        return int(text) if text.isascii() and text.isdigit() else None
    return None


def parse(argv: Sequence[str]) -> tuple[str, dict[str, Any]] | None:
    """(command, emit's keywords) for a plainly valid report command line, else None."""
    if not argv or argv[0] not in COMMANDS:
        return None
    table = COMMANDS[argv[0]]
    spec: str | None = None
    kw: dict[str, Any] = {}
    i = 1
    while i < len(argv):
        arg = argv[i]
        i += 1
        if not arg.startswith("-") or arg == "-":  # `-`: the spec from standard input
            if spec is not None or not arg:
                return None  # a second argument, or an empty one: typer reports it
            spec = arg
            continue
        name, eq, text = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name not in table or (table[name][0] in kw and table[name][1] != "multi"):
            return None
        key, kind = table[name]
        if kind == "flag":
            if eq:
                return None
            kw[key] = True
            continue
        if not eq:
            if i == len(argv):
                return None
            text = argv[i]
            i += 1
        value = _value(kind, text) if not text.startswith("-") else None
        if value is None:
            return None
        if kind == "multi":
            kw.setdefault(key, []).append(value)
            continue
        kw[key] = value
    if spec is None:
        return None
    # typer hands the command a Path, and the command gives emit str(Path)
    return argv[0], {**DEFAULTS[argv[0]], **kw, "spec": str(Path(spec))}


def _standalone(fn: Callable[[], None]) -> None:
    """What typer's standalone mode does around a command: Ctrl-C exits 130; a closed pipe
    (`cnncalc params big.yaml | head`) exits 1 quietly; end of input aborts."""
    try:
        fn()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except EOFError:
        print("\nAborted!", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as err:
        if err.errno != errno.EPIPE:
            raise
        from cnncalc.cli.common import quiet_stdout

        quiet_stdout()
        raise SystemExit(1) from None


def main(*, hard_exit: bool = False) -> None:
    """Run one command line; `hard_exit` (the console script, entry()) ends a report
    command's process with os._exit once its output is flushed."""
    # pydantic scans every installed distribution for plugins on the first model it builds
    # (~10 ms with torch installed); cnncalc has no use for validation observers, so they are
    # off through pydantic's documented switch. Its loader still imports importlib.metadata
    # before it reads the switch (~15 ms, docs/performance.md): public switches only.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from cnncalc.cli.common import standard_streams, tolerant_stdout

    standard_streams()

    tolerant_stdout()  # any stdout encoding: what it cannot hold is spelt in ASCII
    # A run keeps what it builds until it exits: young collections find next to nothing to
    # free, and full ones walk the whole growing heap, a third of a 100,000-layer run. Collect
    # far less often (peak memory unchanged there; docs/performance.md).
    gc.set_threshold(50_000, 50, 1000)
    parsed = None if _COMPLETE_ENV in os.environ else parse(sys.argv[1:])
    if parsed is None:
        from cnncalc.cli.app import main as typer_main

        typer_main()
        return
    command, kw = parsed
    from cnncalc.cli.common import run_app
    from cnncalc.cli.report import emit

    def run() -> None:
        run_app(lambda: _standalone(lambda: emit(**kw, full=command == "params")))

    if not hard_exit:
        run()
        return
    try:
        run()
    except SystemExit as exit_:
        _leave(exit_.code)
    _leave(0)


def _leave(code: object) -> NoReturn:
    """Flush and end the process without tearing the interpreter down.

    Freeing every object and module one by one at exit is ~25 ms of a 0.2 s `cnncalc params`
    (docs/performance.md), and a report has nothing left to clean up: its output is flushed
    here and it writes no files. mypy's hard_exit does the same. The exit code is what
    SystemExit(code) would give; a failed flush is reported as Python's exit flush would not:
    one line, exit 1 (a closed pipe quietly, as _standalone does)."""
    if not isinstance(code, int):
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    from cnncalc.cli.common import writing
    from cnncalc.errors import CnncalcError

    try:
        with writing():
            sys.stdout.flush()
    except CnncalcError as err:  # a full disk: one line
        print(f"cnncalc: {err}", file=sys.stderr)
        code = 1
    except OSError:  # a closed pipe: quietly
        code = 1
    try:
        sys.stderr.flush()
    except OSError:
        code = code or 1
    os._exit(code)


def entry() -> None:
    """The console script (pyproject.toml)."""
    main(hard_exit=True)
