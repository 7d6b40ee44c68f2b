"""The phrases every `cnncalc diff` format shares: changes, deltas, the summary line."""

from __future__ import annotations

import json

from cnncalc.analysis.diff import Change, Diff, Figure, LayerDiff
from cnncalc.analysis.diff_budget import percent_text
from cnncalc.render.values import shape_text
from cnncalc.render.values import text as dim_text
from cnncalc.sym import Dim

MARK = {"added": "+", "removed": "-", "changed": "~", "unchanged": " "}
LABELS = {"memory": "memory (bytes)"}  # a figure's label, where not its name


def change_value(c: Change, v: object) -> str:
    """One side of a change as text: a shape, layer names, a type or an argument's value."""
    if v is None:
        return "—"
    if c.what == "output_shape" and isinstance(v, tuple):
        return shape_text(v)
    if c.what == "inputs" and isinstance(v, tuple):
        return ", ".join(str(x) for x in v)
    if c.what == "type" and isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False)


def change_text(c: Change) -> str:
    return f"{c.what} {change_value(c, c.old)} → {change_value(c, c.new)}"


def figure_text(d: Dim | None) -> str:
    return "n/a" if d is None else dim_text(d)


def delta_text(f: Figure) -> str:
    """+786 (+1.29%); '' where a side lacks the figure."""
    d = f.delta
    if d is None:
        return ""
    if not isinstance(d, int):
        return dim_text(d)
    p = f.percent
    return f"{d:+,}" + (f" ({percent_text(p)})" if p is not None and d else "")


def _signed(d: Dim, minus: bool) -> str:
    if isinstance(d, int):
        return f"{-d if minus else d:+,}"
    return ("-" if minus else "+") + f"({dim_text(d)})"


def details(row: LayerDiff) -> list[str]:
    """What happened to a layer, as phrases: its changes and the figures that moved."""
    out: list[str] = []
    if row.renamed:
        assert row.old is not None
        out.append(f"renamed from {row.old.name} (matched by {row.matched})")
    out += [change_text(c) for c in row.changes]
    if row.status == "added" and row.new is not None:
        out.append(f"output {shape_text(row.new.output_shape)}")
    for f in row.figures:
        side = f.new if row.status == "added" else f.old if row.status == "removed" else None
        if row.status in ("added", "removed"):
            if side is not None and side != 0:
                out.append(f"{f.name} {_signed(side, row.status == 'removed')}")
        elif f.delta is not None and f.delta != 0:
            out.append(f"{f.name} {delta_text(f)}")
        elif (f.old is None) != (f.new is None):
            out.append(f"{f.name} {figure_text(f.old)} → {figure_text(f.new)}")
    return out


def layer_type(row: LayerDiff) -> str:
    side = row.new or row.old
    assert side is not None
    return side.type


def summary(diff: Diff) -> str:
    """LeNet-5: 8 → 9 layers: 1 added, 0 removed, 2 changed (1 renamed), 6 unchanged"""
    old, new = diff.total("layers").old, diff.total("layers").new
    name = diff.new.name if diff.new.name == diff.old.name else f"{diff.old.name} → {diff.new.name}"
    return (
        f"{name}: {old} → {new} layers: {diff.count('added')} added, "
        f"{diff.count('removed')} removed, {diff.count('changed')} changed "
        f"({diff.renamed} renamed), {diff.count('unchanged')} unchanged"
    )


def total_line(f: Figure) -> str:
    """params 60,840 → 61,626 (+786, +1.29%)"""
    unit = " bytes" if f.name == "memory" and f.new is not None else ""
    moved = delta_text(f).replace(" (", ", ").rstrip(")")
    tail = f" ({moved})" if moved else ""
    return f"{f.name} {figure_text(f.old)} → {figure_text(f.new)}{unit}{tail}"


def notes(diff: Diff) -> list[str]:
    return [f"memory ({side}) not computed: {why}" for side, why in diff.memory_notes.items()]


def label(f: Figure) -> str:
    return LABELS.get(f.name, f.name)
