"""Two reports side by side: layers added, removed and changed, and totals (docs/diff.md).

Layers are matched in three passes, each over the layers the passes before left unmatched:
1. by name;
2. by structure: a sequence alignment (difflib, order kept) on (type, arguments, output
   shape): a layer renamed and otherwise untouched;
3. by kind: the same alignment on the type alone: a layer renamed and changed.
What is left is removed (old side) or added (new side). No text here: render/diff/ writes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from fractions import Fraction
from typing import Literal

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import LayerError, SpecError
from cnncalc.layers.base import Shape
from cnncalc.spec.network import INPUT
from cnncalc.sym import Dim, render

# An alignment compares every pair of the layers left (difflib's worst case): past this many
# pairs a pass is skipped and its layers stay added or removed (a 20,000-layer spec would
# otherwise take minutes)
MAX_ALIGN_PAIRS = 4_000_000
# Per-layer and total figures, in the order shown; memory: bytes autograd saves for backward
# at batch 1 (analysis/memory.py)
FIGURES = ("params", "trainable", "macs", "memory")
TOTALS = ("layers", *FIGURES)

Status = Literal["added", "removed", "changed", "unchanged"]
Match = Literal["name", "structure", "type"]


@dataclass(frozen=True, slots=True)
class Change:
    """One property of a matched layer that differs: `what` is `type` (names), `inputs`
    (tuples of layer names), `output_shape` (shapes) or an argument's key (`kernel_size`:
    JSON values, None where a side does not have it)."""

    what: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure on both sides; None where a side lacks it (an added layer's old params) or
    cannot compute it (memory of a kind that does not declare what it saves)."""

    name: str
    old: Dim | None
    new: Dim | None

    @property
    def delta(self) -> Dim | None:
        if self.old is None or self.new is None:
            return None
        return self.new - self.old

    @property
    def percent(self) -> Fraction | None:
        """The change as a percentage of the old figure; None where not a number or old is 0."""
        d = self.delta
        if not isinstance(d, int) or not isinstance(self.old, int) or self.old == 0:
            return None
        return Fraction(100 * d, self.old)


@dataclass(frozen=True, slots=True)
class LayerDiff:
    status: Status
    old: LayerStats | None
    new: LayerStats | None
    matched: Match | None = None
    changes: tuple[Change, ...] = ()
    figures: tuple[Figure, ...] = ()

    @property
    def name(self) -> str:
        side = self.new or self.old
        assert side is not None
        return side.name

    @property
    def renamed(self) -> bool:
        return self.old is not None and self.new is not None and self.old.name != self.new.name

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)


@dataclass
class Diff:
    old: Report
    new: Report
    layers: list[LayerDiff]  # the new spec's order, a removed layer after its old predecessor
    totals: tuple[Figure, ...]
    # why memory is missing on a side ("old", "new"): the first problem
    memory_notes: dict[str, str] = field(default_factory=dict)
    labels: tuple[str, str] = ("old", "new")  # the specs as named on the command line
    new_file: str | None = None  # the new spec's file, where it is one annotations may name

    def total(self, name: str) -> Figure:
        return next(f for f in self.totals if f.name == name)

    def count(self, status: Status) -> int:
        return sum(1 for x in self.layers if x.status == status)

    @property
    def renamed(self) -> int:
        return sum(1 for x in self.layers if x.renamed)


def layer_args(stats: LayerStats) -> dict[str, object]:
    """A layer's arguments as the spec states them (defaults filled in), JSON-ready; the
    name, `from:` and `expect:` are not arguments."""
    data = stats.node.layer.model_dump(
        mode="json", by_alias=True, exclude={"name", "from_", "expect", "type"}, exclude_none=True
    )
    return dict(data)


def _shape_key(s: Shape) -> str:
    return "x".join(str(d) if isinstance(d, int) else render(d, ascii=True) for d in s)


def _type(stats: LayerStats) -> str:
    return stats.type


def _key(stats: LayerStats, args: dict[str, object]) -> str:
    text = json.dumps(args, sort_keys=True, default=str)
    return "\0".join((stats.type, text, _shape_key(stats.output_shape)))


def _align(
    old: list[int], new: list[int], key_old: list[str], key_new: list[str]
) -> list[tuple[int, int]]:
    """Pairs (old index, new index) of an order-keeping alignment of the keys."""
    if not old or not new or len(old) * len(new) > MAX_ALIGN_PAIRS:
        return []
    a = [key_old[i] for i in old]
    b = [key_new[j] for j in new]
    sm = SequenceMatcher(None, a, b, autojunk=False)
    return [
        (old[blk.a + k], new[blk.b + k])
        for blk in sm.get_matching_blocks()
        for k in range(blk.size)
    ]


def match(old: Report, new: Report) -> dict[int, tuple[int, Match]]:
    """new layer index -> (old layer index, how it was matched)."""
    pairs: dict[int, tuple[int, Match]] = {}
    by_name = {s.name: i for i, s in enumerate(old.layers)}
    for j, s in enumerate(new.layers):
        if s.name in by_name:
            pairs[j] = (by_name[s.name], "name")
    args_old = [layer_args(s) for s in old.layers]
    args_new = [layer_args(s) for s in new.layers]
    keys: list[tuple[Match, list[str], list[str]]] = [
        (
            "structure",
            [_key(s, a) for s, a in zip(old.layers, args_old, strict=True)],
            [_key(s, a) for s, a in zip(new.layers, args_new, strict=True)],
        ),
        ("type", [_type(s) for s in old.layers], [_type(s) for s in new.layers]),
    ]
    for how, key_old, key_new in keys:
        used = {i for i, _ in pairs.values()}
        left_old = [i for i in range(len(old.layers)) if i not in used]
        left_new = [j for j in range(len(new.layers)) if j not in pairs]
        for i, j in _align(left_old, left_new, key_old, key_new):
            pairs[j] = (i, how)
    return pairs


def _memory(report: Report) -> tuple[dict[str, int] | None, int | None, str]:
    """Bytes autograd saves per layer and in all (batch 1, float32), or the reason there are
    none: a kind that does not declare them (E130), or a symbolic size."""
    from cnncalc.analysis.memory import saved_bytes

    try:
        m = saved_bytes(report, batch=1)
    except SpecError as err:
        p = err.problems[0]
        more = f" (and {len(err.problems) - 1} more)" if len(err.problems) > 1 else ""
        return None, None, f"layer '{p.layer}': {p.message}{more}"
    except LayerError:  # analysis/memory.py needs every size as a number
        return None, None, "the input's sizes are symbolic; give --input sizes to compute it"
    return m.per_layer, m.saved, ""


def diff(old: Report, new: Report) -> Diff:
    pairs = match(old, new)
    mem_old, saved_old, why_old = _memory(old)
    mem_new, saved_new, why_new = _memory(new)
    renames = {old.layers[i].name: new.layers[j].name for j, (i, _) in pairs.items()}
    renames[INPUT] = INPUT

    def figures(a: LayerStats | None, b: LayerStats | None) -> tuple[Figure, ...]:
        def get(s: LayerStats | None, name: str, mem: dict[str, int] | None) -> Dim | None:
            if s is None:
                return None
            if name == "memory":
                return None if mem is None else mem.get(s.name, 0)
            return s.counts.params if name == "params" else getattr(s.counts, name)

        return tuple(Figure(f, get(a, f, mem_old), get(b, f, mem_new)) for f in FIGURES)

    def changes(a: LayerStats, b: LayerStats) -> tuple[Change, ...]:
        out: list[Change] = []
        if a.type != b.type:
            out.append(Change("type", a.type, b.type))
        args_a, args_b = layer_args(a), layer_args(b)
        for k in dict.fromkeys([*args_a, *args_b]):
            if args_a.get(k) != args_b.get(k):
                out.append(Change(k, args_a.get(k), args_b.get(k)))
        if tuple(renames.get(i, i) for i in a.node.inputs) != b.node.inputs:
            out.append(Change("inputs", a.node.inputs, b.node.inputs))
        if _shape_key(a.output_shape) != _shape_key(b.output_shape):
            out.append(Change("output_shape", a.output_shape, b.output_shape))
        return tuple(out)

    rows: list[LayerDiff] = []
    old_to_row: dict[int, int] = {}  # old index -> its row, to place removed layers
    matched_old = {i for i, _ in pairs.values()}
    for j, b in enumerate(new.layers):
        if j not in pairs:
            rows.append(LayerDiff("added", None, b, figures=figures(None, b)))
            continue
        i, how = pairs[j]
        a = old.layers[i]
        ch = changes(a, b)
        figs = figures(a, b)
        same = (
            not ch and a.name == b.name and all(f.delta == 0 for f in figs if f.delta is not None)
        )
        same = same and all((f.old is None) == (f.new is None) for f in figs)
        rows.append(LayerDiff("unchanged" if same else "changed", a, b, how, ch, figs))
        old_to_row[i] = len(rows) - 1
    # removed layers: after the row of the nearest earlier old layer that was matched
    placed: dict[int, list[LayerDiff]] = {}
    anchor = -1
    for i, a in enumerate(old.layers):
        if i in matched_old:
            anchor = old_to_row[i]
        else:
            placed.setdefault(anchor, []).append(
                LayerDiff("removed", a, None, figures=figures(a, None))
            )
    ordered = placed.get(-1, [])
    for r, row in enumerate(rows):
        ordered.append(row)
        ordered.extend(placed.get(r, []))
    totals = (
        Figure("layers", len(old.layers), len(new.layers)),
        Figure("params", old.totals.params, new.totals.params),
        Figure("trainable", old.totals.trainable, new.totals.trainable),
        Figure("macs", old.totals.macs, new.totals.macs),
        Figure("memory", saved_old, saved_new),
    )
    notes = {side: why for side, why in (("old", why_old), ("new", why_new)) if why}
    return Diff(old, new, ordered, totals, notes)
