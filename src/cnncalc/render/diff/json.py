"""`cnncalc diff --format json`: the contract in docs/json.md (`cnncalc diff OLD NEW`)."""

from __future__ import annotations

import json
from typing import Any

from cnncalc.analysis.diff import Change, Diff, Figure, LayerDiff
from cnncalc.analysis.diff_budget import Verdict
from cnncalc.render.values import shape_value, value


def _figure(f: Figure) -> dict[str, Any]:
    d = f.delta
    p = f.percent
    return {
        "old": None if f.old is None else value(f.old),
        "new": None if f.new is None else value(f.new),
        "delta": None if d is None else value(d),
        "percent": None if p is None else round(float(p), 4),
    }


def _change_value(c: Change, v: object) -> object:
    if c.what == "output_shape" and isinstance(v, tuple):
        return shape_value(v)
    if c.what == "inputs" and isinstance(v, tuple):
        return list(v)
    return v


def _layer(r: LayerDiff) -> dict[str, Any]:
    return {
        "status": r.status,
        "name": r.name,
        "old_name": r.old.name if r.old else None,
        "new_name": r.new.name if r.new else None,
        "matched": r.matched,
        "old_type": r.old.type if r.old else None,
        "new_type": r.new.type if r.new else None,
        "old_output_shape": shape_value(r.old.output_shape) if r.old else None,
        "new_output_shape": shape_value(r.new.output_shape) if r.new else None,
        "changes": [
            {"what": c.what, "old": _change_value(c, c.old), "new": _change_value(c, c.new)}
            for c in r.changes
        ],
        "figures": {f.name: _figure(f) for f in r.figures},
    }


def render(diff: Diff, verdicts: list[Verdict]) -> str:
    old, new = diff.labels
    data = {
        "old": {"spec": old, "name": diff.old.name},
        "new": {"spec": new, "name": diff.new.name},
        "summary": {s: diff.count(s) for s in ("added", "removed", "changed", "unchanged")}
        | {"renamed": diff.renamed},
        "totals": {f.name: _figure(f) for f in diff.totals},
        "memory_notes": dict(diff.memory_notes),
        "layers": [_layer(r) for r in diff.layers],
        "budgets": [
            {"budget": v.budget.text, "broken": v.broken, "message": v.message} for v in verdicts
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)
