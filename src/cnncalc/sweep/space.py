"""The variants of a sweep: a full grid (`--grid width=0.5:1.5:0.25`, `--grid act=relu,silu`)
or a space file sampled at random (`--space space.yaml --sample N --seed S`) or walked as a
grid. Every value is checked against the spec's `args:` before the first variant runs.

A space file maps argument names to what they range over:

    width: {min: 0.35, max: 1.4, step: 0.05}   # the grid points, from min up to max
    resolution: {choices: [128, 160, 192, 224]}
    depth: {min: 1, max: 3}                    # integers: each one; floats: uniform
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from cnncalc.errors import UsageError, printable
from cnncalc.spec.args import ArgDef, typed
from cnncalc.spec.expr import Value, suggest

MAX_GRID_AXIS = 1_000_000  # values of one --grid axis
BLOCK = 1_000  # random variants drawn from one seeded generator
SPACE_KEYS = ("min", "max", "step", "choices")


@dataclass(frozen=True)
class Axis:
    """One argument's values: a list (grid points, choices), or a continuous range."""

    name: str
    points: tuple[Value, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    integer: bool = False  # a range of integers without a step: each one

    def draw(self, rng: random.Random) -> Value:
        if self.points:
            return self.points[rng.randrange(len(self.points))]
        if self.integer:
            return rng.randint(int(self.lo), int(self.hi))
        return rng.uniform(self.lo, self.hi)


@dataclass(frozen=True)
class Space:
    axes: tuple[Axis, ...]
    sample: int | None = None  # None: the full grid
    seed: int = 0
    fixed: tuple[tuple[str, Value], ...] = ()  # --set: arguments held for the whole sweep

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    def __len__(self) -> int:
        if self.sample is not None:
            return self.sample
        return math.prod(len(a.points) for a in self.axes)

    def variants(self, first: int = 0, count: int | None = None) -> list[dict[str, Value]]:
        """Variants first, first + 1, …: the grid with its last axis varying fastest, or
        random draws. Draws come in blocks of BLOCK variants, each block from a generator
        seeded by (seed, block): any range can be made on its own (a worker, --resume) and
        the same seed gives the same variants, whatever the number of workers."""
        end = len(self) if count is None else min(len(self), first + count)
        if first >= end:
            return []
        if self.sample is None:
            sizes = [len(a.points) for a in self.axes]
            digits, rest = [], first
            for n in reversed(sizes):
                rest, d = divmod(rest, n)
                digits.append(d)
            digits.reverse()
            out: list[dict[str, Value]] = []
            for _ in range(end - first):
                out.append({a.name: a.points[d] for a, d in zip(self.axes, digits, strict=True)})
                for k in range(len(digits) - 1, -1, -1):  # the next index, odometer-wise
                    digits[k] += 1
                    if digits[k] < sizes[k]:
                        break
                    digits[k] = 0
            return out
        out = []
        for block in range(first // BLOCK, (end - 1) // BLOCK + 1):
            rng = random.Random(f"{self.seed}/{block}")  # str seeds: sha512, stable everywhere
            lo = block * BLOCK
            drawn = [
                {a.name: a.draw(rng) for a in self.axes} for _ in range(min(BLOCK, len(self) - lo))
            ]
            out.extend(drawn[max(first - lo, 0) : end - lo])
        return out


def _arg(defs: dict[str, ArgDef], name: str, where: str) -> ArgDef:
    if name not in defs:
        have = ", ".join(sorted(defs)) if defs else "none (the spec has no args:)"
        hint = suggest(name, sorted(defs))
        raise UsageError(
            f"{where}: the spec has no argument {name!r}; " + (hint or f"its arguments: {have}")
        )
    return defs[name]


def _steps(lo: Decimal, hi: Decimal, step: Decimal, where: str) -> list[Decimal]:
    if step <= 0 or hi < lo:
        raise UsageError(f"{where}: write LOW:HIGH:STEP with LOW <= HIGH and STEP > 0")
    n = int((hi - lo) / step) + 1
    if n > MAX_GRID_AXIS:
        raise UsageError(f"{where}: more than {MAX_GRID_AXIS:,} values")
    return [lo + k * step for k in range(n)]


def _number(d: Decimal, integer: bool) -> Value:
    return int(d) if integer else float(d)


def grid_axis(text: str, defs: dict[str, ArgDef]) -> Axis:
    """`--grid NAME=LOW:HIGH:STEP` (HIGH included when the steps reach it) or NAME=A,B,C."""
    where = f"--grid {printable(text)[:80]}"
    name, eq, rest = text.partition("=")
    name, rest = name.strip(), rest.strip()
    if not eq or not rest:
        raise UsageError(f"{where}: write NAME=LOW:HIGH:STEP or NAME=A,B,C")
    d = _arg(defs, name, where)
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) != 3:
            raise UsageError(f"{where}: write NAME=LOW:HIGH:STEP")
        try:
            lo, hi, step = (Decimal(p.strip()) for p in parts)
        except InvalidOperation:
            raise UsageError(f"{where}: LOW, HIGH and STEP are numbers") from None
        if not all(x.is_finite() for x in (lo, hi, step)):
            raise UsageError(f"{where}: LOW, HIGH and STEP are numbers")
        integer = all("." not in p and "e" not in p.lower() for p in parts)
        texts = [str(_number(x, integer)) for x in _steps(lo, hi, step, where)]
    else:
        texts = [p.strip() for p in rest.split(",")]
    try:
        points = tuple(typed(t, d) for t in texts)
    except UsageError as err:
        raise UsageError(f"--grid {err}") from None
    return Axis(name, points)


def space_axis(name: Any, body: Any, defs: dict[str, ArgDef], file: str) -> Axis:
    where = f"{file}: {printable(str(name))}"
    d = _arg(defs, str(name), where)
    if not isinstance(body, dict) or not body or not set(body) <= set(SPACE_KEYS):
        raise UsageError(
            f"{where}: give {{min, max}} (with an optional step) or {{choices: [...]}}"
        )

    def check(v: Any) -> Value:
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise UsageError(f"{where}: {printable(repr(v))[:60]} is not a number or text")
        why = d.admits(v)
        if why:
            raise UsageError(f"{where}: {why}")
        return v

    if "choices" in body:
        if set(body) != {"choices"} or not isinstance(body["choices"], list) or not body["choices"]:
            raise UsageError(f"{where}: choices is a non-empty list, alone")
        return Axis(d.name, tuple(check(v) for v in body["choices"]))
    if "min" not in body or "max" not in body:
        raise UsageError(f"{where}: a range needs min and max")
    lo, hi = check(body["min"]), check(body["max"])
    if not isinstance(lo, (int, float)) or not isinstance(hi, (int, float)) or hi < lo:
        raise UsageError(f"{where}: min <= max, both numbers")
    integer = isinstance(lo, int) and isinstance(hi, int)
    if "step" in body:
        step = body["step"]
        if isinstance(step, bool) or not isinstance(step, (int, float)):
            raise UsageError(f"{where}: step is a number")
        integer = integer and isinstance(step, int)
        points = _steps(Decimal(repr(lo)), Decimal(repr(hi)), Decimal(repr(step)), where)
        return Axis(d.name, tuple(check(_number(p, integer)) for p in points))
    if integer and isinstance(d.default, float):
        integer = False  # a float argument between two whole numbers
    return Axis(d.name, (), float(lo), float(hi), integer)


def load_space(path: str | Path, defs: dict[str, ArgDef]) -> list[Axis]:
    """A space file (see above); UsageError for anything wrong with it, one line."""
    from cnncalc.errors import SpecError
    from cnncalc.spec.yamlpos import parse_file

    try:
        data = parse_file(path).data
    except SpecError as err:
        raise UsageError(f"--space {path}: {err.problems[0].message}") from None
    except OSError as err:
        raise UsageError(f"--space {path}: {err.strerror}") from None
    if not isinstance(data, dict) or not data:
        raise UsageError(f"--space {path}: a mapping of argument names to their ranges")
    return [space_axis(k, v, defs, str(path)) for k, v in data.items()]


def make_space(
    defs: Sequence[ArgDef],
    grids: Sequence[str],
    space_file: str | None,
    sample: int | None,
    seed: int,
    sets: Sequence[str] = (),
) -> Space:
    by_name = {d.name: d for d in defs}
    from cnncalc.spec.args import parse_sets

    fixed: list[tuple[str, Value]] = []
    for name, text in parse_sets(sets).items():
        d = _arg(by_name, name, f"--set {printable(name)}")
        try:
            fixed.append((name, typed(text, d)))
        except UsageError as err:
            raise UsageError(f"--set {err}") from None
    axes = [grid_axis(g, by_name) for g in grids]
    if space_file is not None:
        axes += load_space(space_file, by_name)
    names = [a.name for a in axes] + [n for n, _ in fixed]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"{twice[0]} is given twice (--grid, --space, --set)")
    if not axes:
        raise UsageError("give the variants: --grid NAME=LOW:HIGH:STEP or --space FILE")
    if sample is None and any(not a.points for a in axes):
        cont = next(a.name for a in axes if not a.points)
        raise UsageError(f"{cont} is a continuous range: give --sample N, or a step")
    if sample is not None and sample < 1:
        raise UsageError("--sample: give 1 or more")
    return Space(tuple(axes), sample, seed, tuple(fixed))
