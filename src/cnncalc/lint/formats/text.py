"""Text: one finding per line as file:line:col, then its hint; ANSI colors on a terminal."""

from __future__ import annotations

from cnncalc.errors import printable
from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.runner import LintResult

_COLOR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def render(result: LintResult, color: bool = False) -> str:
    def c(code: str, s: str) -> str:
        return f"\x1b[{code}m{s}\x1b[0m" if color else s

    lines: list[str] = []
    for f in result.findings:
        # spec text is in these (names, keys): escaped, so that no line is forged or hidden
        layer = f"layer '{printable(f.layer)}': " if f.layer else ""
        code = c("1;" + _COLOR[f.severity], f.code)
        head = f"{c('1', printable(str(f.pos)))}: {code} {f.severity.value} [{f.rule}]"
        lines.append(f"{head} {layer}{printable(f.message)}")
        if f.hint:
            lines.append(f"  {c('2', 'hint:')} {printable(f.hint)}")
    counts = result.counts()
    n = len(result.files)
    files = f"{n} spec{'s' if n != 1 else ''}"
    if result.findings:
        parts = [
            f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}"
            for s in reversed(Severity)
            if counts[s]
        ]
        lines.append(
            f"Found {len(result.findings)} problem{'s' if len(result.findings) != 1 else ''} "
            f"({', '.join(parts)}) in {files}."
        )
    else:
        lines.append(c("32", f"All checks passed ({files})."))
    return "\n".join(lines) + "\n"
