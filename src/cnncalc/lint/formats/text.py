"""Text: one finding per line as file:line:col, then its hint; ANSI colors on a terminal."""

from __future__ import annotations

from cnncalc.errors import printable
from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.files import EXPLAIN, tally
from cnncalc.lint.runner import LintResult

_COLOR = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def skipped(result: LintResult, verbose: bool = False) -> str:
    """' Skipped 2 files: 1 not a spec, 1 block library.' after the summary, or ''."""
    if not result.reasons:
        return ""
    why = ", ".join(f"{n:,} {reason}" for reason, n in tally(result.reasons).items())
    more = "" if verbose else " (--verbose lists them)"
    return f" Skipped {_plural(len(result.reasons), 'file')}: {why}{more}."


def render(result: LintResult, color: bool = False, verbose: bool = False) -> str:
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
    if verbose:
        for file, reason in result.reasons.items():
            lines.append(f"{printable(file)}: skipped: {reason} ({EXPLAIN[reason]})")
    counts = result.counts()
    files = _plural(len(result.files), "spec")
    if result.findings:
        parts = [
            f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}"
            for s in reversed(Severity)
            if counts[s]
        ]
        lines.append(
            f"Found {len(result.findings)} problem{'s' if len(result.findings) != 1 else ''} "
            f"({', '.join(parts)}) in {files}." + skipped(result, verbose)
        )
    elif not result.files:  # nothing was checked: never "passed"
        lines.append(c("33", "No specs found.") + skipped(result, verbose))
    else:
        lines.append(c("32", f"All checks passed ({files}).") + skipped(result, verbose))
    return "\n".join(lines) + "\n"
