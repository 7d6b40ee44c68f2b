"""JSON: every finding as an object, with the specs linted and counts (docs/lint.md)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.runner import LintResult


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "file": f.pos.file,
        "line": f.pos.line,
        "column": f.pos.col,
        "code": f.code,
        "rule": f.rule,
        "severity": f.severity.value,
        "layer": f.layer,
        "message": f.message,
        "hint": f.hint,
    }


def render(result: LintResult) -> str:
    counts = result.counts()
    out = {
        "version": 1,
        "files": result.files,
        "skipped": result.skipped,
        "summary": {s.value: counts[s] for s in reversed(Severity)},
        "findings": [finding_dict(f) for f in result.findings],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
