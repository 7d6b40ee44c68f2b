"""Options shared by commands, and the one place that turns errors into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer

from cnncalc.errors import CnncalcError, ExitCode, SpecError

T = TypeVar("T")


class Format(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class DType(str, Enum):
    float64 = "float64"
    float32 = "float32"
    float16 = "float16"
    bfloat16 = "bfloat16"
    int8 = "int8"


SpecArg = Annotated[Path, typer.Argument(help="the network spec (YAML)", show_default=False)]
InputOpt = Annotated[
    str | None,
    typer.Option("--input", "-i", help="override the spec's input, e.g. 3x224x224 or 3xHxW", show_default=False),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="output format")]
AsciiOpt = Annotated[bool, typer.Option("--ascii", help="plain ASCII: x for ×, floor()/ceil() for ⌊⌋/⌈⌉")]


def fail(message: str, code: ExitCode) -> NoReturn:
    print(message, file=sys.stderr)
    raise typer.Exit(int(code))


def guarded(fn: Callable[[], T]) -> T:
    """Run library code; map its errors to one message each on stderr and an exit code."""
    try:
        return fn()
    except SpecError as err:
        fail(str(err), err.exit_code)
    except CnncalcError as err:
        fail(f"cnncalc: {err}", err.exit_code)
    except RecursionError:
        fail("cnncalc: input nested too deeply", ExitCode.INVALID)
    except MemoryError:
        fail("cnncalc: out of memory", ExitCode.INVALID)
