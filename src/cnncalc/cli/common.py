"""Choices shared by commands, and the one place that turns errors into exit codes.

Imports without typer, for the fast path (cli/fast.py); typer's declarations are in
cli/typer_options.py."""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from enum import StrEnum
from typing import Any, NoReturn, TypeVar

from cnncalc.errors import CnncalcError, ExitCode, SpecError

T = TypeVar("T")


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class By(StrEnum):  # params --by: how to group the layers
    type = "type"
    block = "block"


class Units(StrEnum):  # compact figures (25.6M, 4.09G) in text; JSON stays exact
    exact = "exact"
    si = "si"


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


# -h as --help, in every command (a click context setting; subcommands inherit it)
HELP: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


def fail(message: str, code: ExitCode) -> NoReturn:
    print(message, file=sys.stderr)
    # SystemExit, not typer.Exit: the same exit code through typer, and this module stays
    # importable without typer (cli/fast.py; typer's declarations are in cli/typer_options.py)
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


# errno values only a write gives (EBADF: a closed stdout, see standard_streams()): one that
# escapes typer's own output (--help) is the output's, not a bug
_WRITE_ONLY = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EBADF})


def run_app(app: Callable[[], object]) -> None:
    """The console script: the typer app, with the same safety net as guarded() around the
    code that runs outside it (rendering, option parsing, typer's help). What is still
    buffered is flushed here, where a failure is one line, not at the interpreter's exit
    flush ("Exception ignored", exit 120)."""
    try:
        try:
            app()
        finally:
            with writing():
                sys.stdout.flush()
    except CnncalcError as err:
        print(str(err) if isinstance(err, SpecError) else f"cnncalc: {err}", file=sys.stderr)
        sys.exit(int(err.exit_code))
    except MemoryError:
        print("cnncalc: out of memory", file=sys.stderr)
        sys.exit(int(ExitCode.INVALID))
    except OSError as err:
        if err.errno == errno.EPIPE:
            quiet_stdout()
            sys.exit(int(ExitCode.INVALID))
        if err.errno in _WRITE_ONLY:
            print(f"cnncalc: cannot write the output: {err.strerror}", file=sys.stderr)
            sys.exit(int(ExitCode.INVALID))
        print(internal_error(err), file=sys.stderr)
        sys.exit(int(ExitCode.INVALID))
    except Exception as err:  # a bug: one line, no traceback
        print(internal_error(err), file=sys.stderr)
        sys.exit(int(ExitCode.INVALID))


class _Closed(io.RawIOBase):
    """What stdout is when the shell closed it (`cnncalc schema >&-`): the first write fails
    as a write to a closed descriptor does, so it is reported like any other failed write;
    later ones (the exit flush of what is still buffered) take the bytes quietly."""

    failed = False

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        if not self.failed:
            self.failed = True
            raise OSError(errno.EBADF, os.strerror(errno.EBADF))
        return len(b)


def standard_streams() -> None:
    """A closed stdout or stderr is None in Python, and print() to None silently writes
    nothing (or, for stderr, to stdout). A closed stdout fails on the first write instead
    (commands that write files, not stdout, still work); a closed stderr takes nothing."""
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(_Closed()), encoding="utf-8")
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (to the exit)


def quiet_stdout() -> None:
    """The reader of stdout has gone (`cnncalc params x | head -1`): nothing more can be
    written, so point stdout at /dev/null and let the exit flush succeed quietly."""
    with suppress(OSError, ValueError):  # no real file behind stdout (tests): nothing to do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def internal_error(err: BaseException) -> str:
    """The one line printed for a bug: the type and the first line of the message, capped."""
    lines = str(err).strip().splitlines()
    msg = lines[0] if lines else ""
    msg = msg if len(msg) <= 300 else msg[:300] + "…"
    return f"cnncalc: internal error: {type(err).__name__}: {msg} (please report)"
