"""Error types that carry a source position, and the CLI's exit codes.

The library raises these and never exits or prints; the CLI maps them to exit codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    INVALID = 1  # the spec is wrong (or lint found problems at the failing severity)
    USAGE = 2  # the command line is wrong: missing file, bad flag


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a file; line 0 means 'the file as a whole'."""

    file: str
    line: int = 0
    col: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}" if self.line else self.file


def printable(text: str) -> str:
    """Text with control, format and separator characters escaped as Python writes them."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, slots=True)
class Problem:
    """One located finding: what is wrong, and how to fix it."""

    pos: Pos
    message: str
    hint: str = ""
    layer: str = ""
    code: str = "E000"

    def format(self) -> str:
        where = f"layer '{self.layer}': " if self.layer else ""
        text = f"{self.pos}: {self.code} {where}{self.message}"
        text = f"{text} (hint: {self.hint})" if self.hint else text
        # spec text (names, keys, file names) reaches messages: a newline must not forge a line
        return text if text.isprintable() else printable(text)


class CnncalcError(Exception):
    """Base class of every error cnncalc raises on purpose."""

    exit_code: ExitCode = ExitCode.INVALID


@dataclass
class SpecError(CnncalcError):
    """The spec is invalid; carries one Problem per fault found."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class UsageError(CnncalcError):
    """Bad command-line usage: missing file, bad flag value."""

    exit_code = ExitCode.USAGE


class LayerError(Exception):
    """Raised by a layer's shape rule; the engine adds the position and layer name.

    `field` names the spec key to point at (e.g. 'kernel_size'); empty points at the layer.
    """

    def __init__(self, message: str, hint: str = "", field: str = "", code: str = "E100") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.field = field
        self.code = code


def brief(value: object, limit: int = 80, *, spec: bool = False) -> str:
    """`repr(value)` cut to `limit` characters with "…", built piece by piece, so that what is
    not shown is never built: a list shared a billion times over or a 16 MB string costs only
    the characters shown. `spec=True` writes values as a spec does (true, false, null)."""
    out: list[str] = []
    used = 0
    for piece in _pieces(value, spec, limit, 0):
        out.append(piece)
        used += len(piece)
        if used > limit:
            return "".join(out)[: limit - 1] + "…"
    return "".join(out)


def _pieces(v: object, spec: bool, limit: int, depth: int) -> Iterator[str]:
    if isinstance(v, bool):
        yield ("true" if v else "false") if spec else repr(v)
    elif v is None:
        yield "null" if spec else "None"
    elif isinstance(v, int):  # past ~4,300 digits Python refuses to print an int
        yield str(v) if v.bit_length() < 10_000 else f"<an integer of {v.bit_length():,} bits>"
    elif isinstance(v, str):
        yield repr(v[: limit + 1])
    elif isinstance(v, (list, tuple, dict)):
        if depth > 32:  # values are nested less deeply than this; bounded all the same
            yield "…"
            return
        open_, close = "{}" if isinstance(v, dict) else "[]" if isinstance(v, list) else "()"
        yield open_
        for i, x in enumerate(v.items() if isinstance(v, dict) else v):
            if i:
                yield ", "
            if isinstance(v, dict):
                yield from _pieces(x[0], spec, limit, depth + 1)
                yield ": "
                x = x[1]
            yield from _pieces(x, spec, limit, depth + 1)
        if isinstance(v, tuple) and len(v) == 1:
            yield ","
        yield close
    else:
        yield repr(v)[: limit + 1]
