"""Options shared by commands, and the one place that turns errors into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from cnncalc.errors import CnncalcError, ExitCode, SpecError

T = TypeVar("T")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class DType(StrEnum):
    float64 = "float64"
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"


SpecArg = Annotated[Path, typer.Argument(help="the network spec (YAML)", show_default=False)]
InputOpt = Annotated[
    str | None,
    typer.Option(
        "--input",
        "-i",
        help="override the spec's input, e.g. 3x224x224 or 3xHxW",
        show_default=False,
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
AsciiOpt = Annotated[
    bool, typer.Option("--ascii", help="plain ASCII: x for ×, floor()/ceil() for ⌊⌋/⌈⌉")
]


def fail(message: str, code: ExitCode) -> NoReturn:
    print(message, file=sys.stderr)
    raise typer.Exit(int(code))


def guarded(fn: Callable[[], T]) -> T:
    """Run library code; map its errors to one message each on stderr and an exit code.

    Anything else that escapes is a bug in cnncalc, never the input's fault: it gets one
    line asking for a report instead of a traceback (tests/robustness proves no input in the
    fuzz corpus gets here). SystemExit and KeyboardInterrupt pass through untouched."""
    try:
        return fn()
    except SpecError as err:
        fail(str(err), err.exit_code)
    except CnncalcError as err:
        fail(f"cnncalc: {err}", err.exit_code)
    except MemoryError:
        fail("cnncalc: out of memory", ExitCode.INVALID)
    except Exception as err:  # the last line of defence, see above
        fail(internal_error(err), ExitCode.INVALID)


def internal_error(err: BaseException) -> str:
    """The one line printed for a bug: the type and the first line of the message, capped."""
    lines = str(err).strip().splitlines()
    msg = lines[0] if lines else ""
    msg = msg if len(msg) <= 300 else msg[:300] + "…"
    return f"cnncalc: internal error: {type(err).__name__}: {msg} (please report)"
