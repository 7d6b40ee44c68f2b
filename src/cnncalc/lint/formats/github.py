"""GitHub Actions workflow commands: each finding becomes an annotation on the file's line.

::error file=specs/net.yaml,line=7,col=5,title=W201 window-drops-input::layer 'pool2': …
"""

from __future__ import annotations

from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.runner import LintResult

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(s: str) -> str:
    """Escape a message as the Actions toolkit does (escapeData)."""
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(s: str) -> str:
    """Escape a property value (escapeProperty): also ':' and ','."""
    return _data(s).replace(":", "%3A").replace(",", "%2C")


def render(result: LintResult) -> str:
    lines: list[str] = []
    for f in result.findings:
        props = [f"file={_prop(f.pos.file)}"]
        if f.pos.line:
            props.append(f"line={f.pos.line}")
        if f.pos.col:
            props.append(f"col={f.pos.col}")
        props.append(f"title={_prop(f'{f.code} {f.rule}')}")
        layer = f"layer '{f.layer}': " if f.layer else ""
        hint = f" (hint: {f.hint})" if f.hint else ""
        lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(layer + f.message + hint)}")
    return "".join(line + "\n" for line in lines)
