"""JSON output: the stable contract documented in docs/json.md."""

from __future__ import annotations

import json

from cnncalc.analysis.engine import Report
from cnncalc.render.facts import report_dict


def render(report: Report, full: bool, dtype: str = "float32", explain: bool = False) -> str:
    return json.dumps(report_dict(report, full, dtype, explain), indent=2, ensure_ascii=False)
