"""JSON output: the stable contract documented in docs/json.md."""

from __future__ import annotations

import json

from cnncalc.analysis.engine import Report
from cnncalc.render.facts import report_dict
from cnncalc.render.values import to_ascii


def render(
    report: Report, full: bool, dtype: str = "float32", explain: bool = False, ascii: bool = False
) -> str:
    """--ascii: explanations in ASCII formulas, other text (names) as JSON's \\u escapes."""
    data = report_dict(report, full, dtype, explain)
    if ascii and explain:
        for layer in data["layers"]:
            layer["explain"] = [to_ascii(line) for line in layer["explain"]]
    return json.dumps(data, indent=2, ensure_ascii=ascii)
