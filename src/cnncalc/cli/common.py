"""Choices shared by commands, and the one place that turns errors into exit codes.

Imports without typer, for the fast path (cli/fast.py); typer's options are in cli/options.py."""

from __future__ import annotations

import codecs
import errno
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import NoReturn, TypeVar

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


_PROBE = "×·−—…⌊⌋⌈⌉²┏━┃│└"  # what cnncalc prints beyond ASCII


def unicode_stdout() -> bool:
    """Whether stdout's encoding holds the symbols cnncalc prints (UTF-8 does; ASCII or
    Latin-1 do not: reports then print as --ascii does)."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        _PROBE.encode(encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def _to_ascii(err: UnicodeError) -> tuple[str, int]:
    if not isinstance(err, UnicodeEncodeError):
        raise err
    from cnncalc.render.values import to_ascii

    return to_ascii(err.object[err.start : err.end]), err.end


def tolerant_stdout() -> None:
    """On a stdout that cannot encode every character (PYTHONIOENCODING=ascii, a Latin-1
    terminal), write what it cannot hold as --ascii spells it (× as x, ⌊ as floor(), other
    characters as \\xe9) instead of failing in the middle of the output."""
    if unicode_stdout():
        return
    codecs.register_error("cnncalc-ascii", _to_ascii)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="cnncalc-ascii")


def fail(message: str, code: ExitCode) -> NoReturn:
    print(message, file=sys.stderr)
    # SystemExit, not typer.Exit: the same exit code through typer, and this module stays
    # importable without typer (cli/fast.py; typer's option declarations are in cli/options.py)
    raise SystemExit(int(code))


@contextmanager
def writing() -> Iterator[None]:
    """Around writes to stdout: a failed write (a full disk) is the user's to know about in one
    line, not a bug. A closed pipe (EPIPE) passes through: the caller exits quietly on it."""
    try:
        yield
    except OSError as err:
        if err.errno == errno.EPIPE:
            raise
        raise CnncalcError(f"cannot write the output: {err.strerror}") from None


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


def run_app(app: Callable[[], object]) -> None:
    """The console script: the typer app, with the same safety net as guarded() around the
    code that runs outside it (rendering, option parsing)."""
    try:
        app()
    except CnncalcError as err:
        print(str(err) if isinstance(err, SpecError) else f"cnncalc: {err}", file=sys.stderr)
        sys.exit(int(err.exit_code))
    except MemoryError:
        print("cnncalc: out of memory", file=sys.stderr)
        sys.exit(int(ExitCode.INVALID))
    except Exception as err:  # a bug: one line, no traceback
        print(internal_error(err), file=sys.stderr)
        sys.exit(int(ExitCode.INVALID))


def internal_error(err: BaseException) -> str:
    """The one line printed for a bug: the type and the first line of the message, capped."""
    lines = str(err).strip().splitlines()
    msg = lines[0] if lines else ""
    msg = msg if len(msg) <= 300 else msg[:300] + "…"
    return f"cnncalc: internal error: {type(err).__name__}: {msg} (please report)"
