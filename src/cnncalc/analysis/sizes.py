"""Which input sizes a network takes (`cnncalc sizes`).

Per input variable (a symbolic size, or a concrete spatial size taken as a variable):
  - the smallest size every layer accepts, found by running the engine on sizes in turn;
  - which sizes pass every layer exactly, in closed form where one exists.

The second is exact reasoning over the layers: the network is walked once with each variable a
symbol, and each layer names the divisions it makes (`Layer.exact_divisions`: every window's
W + P - span by its stride, a fractional scale) and each merge the sizes that must agree. Each
such condition is quasi-periodic in its variable (a sum of floors of linear terms), so all of
them together repeat with the lcm P of their periods: evaluating them on one period gives the
residues mod P that pass, for every size from the smallest accepted on. Three criteria:
  accepted  merges agree (a U-Net's skip connections);
  exact     and every window ends flush with its padded input and every division is exact:
            no remainder anywhere (ResNet-50: H ≡ 1 (mod 32), as DeepLab's 513);
  reads     and every input row is read by some window (lint's W201: a remainder that falls in
            the padding, or in the gaps a stride leaves by design, is no loss).
Where a condition is not quasi-periodic (max/min, products of variables) the sizes in the range
are listed instead, from the same conditions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cnncalc.analysis.engine import analyze
from cnncalc.errors import LayerError, SpecError, UsageError
from cnncalc.layers.base import Layer, Shape, numel
from cnncalc.spec.network import INPUT, Network
from cnncalc.sym import Dim, Symbol, bounds, evaluate, free_symbols, render
from cnncalc.sym.poly import Floor, Sym

NAMES = {"channels": "C", "features": "F", "length": "L", "depth": "D", "height": "H", "width": "W"}
CRITERIA = ("accepted", "exact", "reads")
MAX_PERIOD = 1 << 16  # longer periods are listed over the range instead
MAX_RANGE = 1 << 20
VERIFIED = 8  # sizes from the smallest on that the engine checks against a closed form


@dataclass(frozen=True, slots=True)
class Condition:
    """value mod modulus ≤ slack (modulus 0: value = 0), for one layer."""

    layer: str
    criterion: str  # "accepted" (a merge), "exact" or "reads"
    value: Dim
    modulus: int
    slack: Dim = 0
    sides: tuple[Dim, Dim] | None = None  # a merge's two sizes that must agree
    axis: int | None = None  # the input dimension it constrains, where the ranks match

    def text(self, ascii: bool = False) -> str:
        def r(d: Dim) -> str:
            return render(d, ascii)

        if self.sides is not None:
            return f"{r(self.sides[0])} {'==' if ascii else '='} {r(self.sides[1])}"
        if self.slack == 0:  # the constant moves right: ⌈H/2⌉ - 1 ≡ 0 reads ⌈H/2⌉ ≡ 1
            k = (
                self.value
                if isinstance(self.value, int)
                else next((c for m, c in self.value.terms if not m), 0)
            )
            rest, rhs = r(self.value - k), -k % self.modulus
            if ascii:
                return f"{rest} % {self.modulus} == {rhs}"
            return f"{rest} ≡ {rhs} (mod {self.modulus})"
        mod, le = ("%", "<=") if ascii else ("mod", "≤")
        return f"({r(self.value)}) {mod} {self.modulus} {le} {r(self.slack)}"

    def holds(self, env: Mapping[str, int]) -> bool:
        v = evaluate(self.value, env)
        if self.modulus == 0:
            return v == 0
        return v % self.modulus <= evaluate(self.slack, env)

    def symbols(self) -> frozenset[str]:
        return free_symbols(self.value) | free_symbols(self.slack)


@dataclass(frozen=True, slots=True)
class Admissible:
    """The sizes of one variable meeting one criterion: closed form v ≥ start, v mod modulus
    in residues (modulus None: no closed form, `sizes` alone), and those in the range."""

    start: int
    modulus: int | None
    residues: tuple[int, ...]
    sizes: tuple[int, ...]

    def contains(self, v: int) -> bool:
        if self.modulus is None:
            return v in self.sizes
        return v >= self.start and v % self.modulus in self.residues

    def formula(self, name: str, ascii: bool = False) -> str:
        ge = ">=" if ascii else "≥"
        if self.modulus is None:
            return "listed (no closed form)"
        if not self.residues:
            return "none"
        head = f"{name} {ge} {self.start}"
        if self.modulus == 1:
            return head
        if len(self.residues) == 1:
            r = self.residues[0]
            return head + (
                f", {name} % {self.modulus} == {r}"
                if ascii
                else f", {name} ≡ {r} (mod {self.modulus})"
            )
        rs = ", ".join(map(str, self.residues))
        return head + (
            f", {name} % {self.modulus} in {{{rs}}}"
            if ascii
            else f", {name} mod {self.modulus} ∈ {{{rs}}}"
        )


@dataclass
class Variable:
    name: str
    given: int | None  # the spec's size where the variable stands for a concrete one
    minimum: int | None  # the smallest size every layer accepts (None: none in the range)
    criteria: dict[str, Admissible] = field(default_factory=dict)
    conditions: list[Condition] = field(default_factory=list)  # those that constrain it
    note: str = ""  # why there is no closed form
    # where the exact sizes are one class r mod p: the size p·k + r, and the last map's shape
    # in k (ResNet-50: H = 32·k + 1 gives 2048×(k + 1)×…)
    along: tuple[Dim, str, Shape] | None = None


@dataclass
class SizesReport:
    name: str
    input_shape: Shape
    range: tuple[int, int]
    variables: list[Variable]


def parse_range(text: str) -> tuple[int, int]:
    lo, sep, hi = text.partition(":")
    if not (sep and lo.strip().isdigit() and hi.strip().isdigit()):
        raise UsageError(f"--range {text!r}: write LOW:HIGH, e.g. 1:512")
    a, b = int(lo), int(hi)
    if not 1 <= a <= b or b - a > MAX_RANGE:
        raise UsageError(f"--range {text!r}: need 1 <= LOW <= HIGH, at most {MAX_RANGE:,} sizes")
    return a, b


def sizes(net: Network, x: Shape | None = None, span: tuple[int, int] = (1, 512)) -> SizesReport:
    """The input sizes the network takes, per variable of input x (the spec's by default):
    the smallest accepted (searched up to the top of `span`) and, for each criterion, the
    closed form with the sizes in `span`. Raises SpecError if the spec's own sizes fail."""
    x = net.input_shape if x is None else x
    lo, hi = span
    slots, declared = _variables(net, x)
    given = {n: d for n, (i, d) in slots.items() if isinstance(d, int)}

    def shape(values: Mapping[str, Dim]) -> Shape:
        out = list(x)
        for name, (i, _) in slots.items():
            out[i] = values[name]
        return tuple(out)

    def accepts(values: Mapping[str, int]) -> bool:
        try:
            analyze(net, shape(values))
        except SpecError:
            return False
        return True

    names = list(slots)
    if given:  # the spec's own sizes: refused, its errors are the answer
        analyze(net, x)
    ref, minimum = _smallest(names, given, declared, accepts, max(hi, 1))
    variables = [Variable(n, given.get(n), minimum[n]) for n in names]
    found = [v for v in variables if v.minimum is not None]
    if len(found) < len(variables) or ref is None:
        for v in variables:
            v.note = (
                "no size in the range is accepted"
                if v.minimum is None
                else "another variable has no accepted size"
            )
            v.criteria = {c: Admissible(lo, None, (), ()) for c in CRITERIA}
        return SizesReport(net.name, x, span, variables)

    base: dict[str, int] = ref

    def accepts_at(name: str) -> Callable[[int], bool]:
        return lambda s: accepts({**base, name: s})

    def walk_at(name: str) -> Callable[[int], list[Condition]]:
        return lambda s: conditions(net, shape({**base, name: s}))

    # one symbolic walk: every variable a symbol from its smallest accepted size on
    symbols = {v.name: Symbol(v.name, v.minimum or 1, declared[v.name][1]) for v in variables}
    try:
        conds = conditions(net, shape(symbols))
    except (LayerError, TypeError, ArithmeticError, ValueError) as err:
        message = err.message if isinstance(err, LayerError) else str(err)
        for v in variables:  # no formulas: every size in the range, from concrete walks
            v.note = f"no closed form ({message})"
            cap = declared[v.name][1]
            top = hi if cap is None else min(hi, cap)
            dim = slots[v.name][0]
            v.criteria = _listed(v, walk_at(v.name), accepts_at(v.name), dim, lo, top)
        return SizesReport(net.name, x, span, variables)
    for v in variables:
        mine = [c for c in conds if v.name in c.symbols()]
        if any(len(c.symbols()) > 1 for c in mine):
            others = ", ".join(f"{k} = {base[k]}" for k in names if k != v.name)
            v.note = f"its conditions involve other variables: listed with {others}"
        # conditions without symbols hold for every size or none: they count along the
        # variable's own dimension (after an adaptive pooling, say), not along the others
        dim = slots[v.name][0]
        constant = [c for c in conds if not c.symbols()]
        mine += [c for c in constant if c.axis in (dim, None)]
        elsewhere = [c for c in constant if c.axis not in (dim, None) and not c.holds({})]
        if elsewhere:
            layers = list(dict.fromkeys(c.layer for c in elsewhere))
            where = ", ".join(layers[:3]) + (" and others" if len(layers) > 3 else "")
            v.note = v.note or f"the input's other, fixed sizes leave remainders ({where})"
        cap = declared[v.name][1]
        top = hi if cap is None else min(hi, cap)
        v.criteria = _solve(v, mine, base, lo, hi, cap)
        v.conditions = [c for c in mine if _binding(c, v, base, cap)]
        refused = _refuted(v, accepts_at(v.name), top)
        if refused is not None:  # a layer fixed to one size, say: every size in turn
            v.note = (
                f"no closed form: the engine refuses {v.name} = {refused}, which the windows "
                "and merges allow (a layer fixed to one size?)"
            )
            v.criteria = _one_by_one(v, mine, base, lo, top, accepts_at(v.name))
        v.along = _along(net, shape, symbols, v)
    return SizesReport(net.name, x, span, variables)


def _smallest(
    names: list[str],
    given: dict[str, int],
    declared: Mapping[str, tuple[int, int | None]],
    accepts: Callable[[Mapping[str, int]], bool],
    ceiling: int,
) -> tuple[dict[str, int] | None, dict[str, int | None]]:
    """Sizes the others sit at while one variable is studied (the spec's, or the smallest
    accepted with all variables equal), and each variable's smallest accepted size, up to
    `ceiling` (or its declared maximum)."""
    ref: dict[str, int] | None = dict(given) if given else None
    if not given:
        start = max((declared[n][0] for n in names), default=1)
        together = (dict.fromkeys(names, v) for v in range(start, max(start, ceiling) + 1))
        ref = next((values for values in together if accepts(values)), None)
    minimum: dict[str, int | None] = {}
    for n in names:
        low, high = declared[n]
        top = min(max(ceiling, low), high or ceiling)
        tried = (v for v in range(low, top + 1) if ref is not None and accepts({**ref, n: v}))
        minimum[n] = next(tried, None)
    return ref, minimum


def _along(
    net: Network,
    shape: Callable[[Mapping[str, Dim]], Shape],
    symbols: Mapping[str, Dim],
    v: Variable,
) -> tuple[Dim, str, Shape] | None:
    """The exact sizes as p·k + r, and the smallest map that depends on k (the last one of
    that size): the deepest stage, in k."""
    a = v.criteria["exact"]
    if a.modulus is None or a.modulus == 1 or len(a.residues) != 1:
        return None
    r = a.residues[0]
    k = Symbol("k", max(0, -(-(a.start - r) // a.modulus)))
    size = a.modulus * k + r
    x = shape({**symbols, v.name: size})
    try:
        report = analyze(net, x)
    except SpecError:
        return None
    # sizes far up, where the largest term decides (within any declared maximum)
    probe = {n: bounds(d)[1] or 1 << 20 for n, d in symbols.items()} | {"k": 1 << 20}
    maps = [
        (evaluate(numel(s.output_shape[1:]), probe), i)
        for i, s in enumerate(report.layers)
        if len(s.output_shape) == len(x) and "k" in free_symbols(numel(s.output_shape[1:]))
    ]
    if not maps:
        return None
    deepest = report.layers[min(maps, key=lambda m: (m[0], -m[1]))[1]]
    return size, deepest.name, deepest.output_shape


def _variables(
    net: Network, x: Shape
) -> tuple[dict[str, tuple[int, Dim]], dict[str, tuple[int, int | None]]]:
    """name -> (input index, the size there), and each variable's declared bounds: the input's
    symbols, or else its spatial sizes under the names H, W, D, L."""
    slots: dict[str, tuple[int, Dim]] = {}
    declared: dict[str, tuple[int, int | None]] = {}
    for i, d in enumerate(x):
        if not isinstance(d, int):
            names = free_symbols(d)
            if len(names) != 1 or bounds(d)[0] is None or render(d) not in names:
                raise UsageError(
                    f"input size {render(d)}: give plain symbols (3xHxW) to `cnncalc sizes`"
                )
            low, high = bounds(d)
            slots[render(d)] = (i, d)
            declared[render(d)] = (max(low or 1, 1), high)
    if slots:
        return slots, declared
    keys = net.input_names if len(net.input_names) == len(x) else ()
    for i, d in enumerate(x):
        if i == 0 and len(x) > 1:
            continue  # channels
        name = NAMES.get(keys[i], f"X{i}") if keys else f"X{i}"
        slots[name] = (i, d)
        declared[name] = (1, None)
    return slots, declared


def conditions(net: Network, x: Shape) -> list[Condition]:
    """Every layer's divisions and merges, walking the network with inputs x (symbolic or
    not); merges continue as if their inputs agreed, so one walk sees every condition."""
    env: dict[str, Shape] = {INPUT: x}
    out: list[Condition] = []
    for node in net.nodes:
        layer = node.layer
        inputs = [env[i] for i in node.inputs]
        if len(inputs) > 1:
            inputs = _align(node.name, layer, inputs, out, len(x))
        else:
            _divisions(node.name, layer, inputs[0], out, len(x))
        y = layer.infer(inputs)
        if layer.activation is not None:
            y = layer.activation.infer([y])
        env[node.name] = y
    return out


def _divisions(name: str, layer: Layer, x: Shape, out: list[Condition], rank: int) -> None:
    def axis(j: int) -> int | None:  # pairs and windows come one per spatial axis, in order
        return j + 1 if len(x) == rank else None

    for j, (n, d) in enumerate(layer.exact_divisions(x)):
        if d > 1:
            out.append(Condition(name, "exact", n, d, axis=axis(j)))
    for j, (w, n) in enumerate(zip(layer.input_windows(x), x[1:], strict=False)):
        if w.ceil_mode or w.stride == 1:
            continue  # ceil_mode: the last window covers the tail
        reach = n + w.before + w.after - w.span
        slack = w.after + max(0, w.stride - w.span)  # padding, or the gaps the stride leaves anyway
        out.append(Condition(name, "reads", reach, w.stride, slack, axis=axis(j)))


def _align(
    name: str, layer: Layer, inputs: Sequence[Shape], out: list[Condition], rank: int
) -> list[Shape]:
    """Conditions that a merge's inputs agree (but along a concat's axis; a 1 broadcasts for
    add and mul), and the inputs made to agree."""
    rank = max(len(s) for s in inputs)
    joined = layer.joined_axis(rank)
    aligned = [list(s) for s in inputs]
    for i in range(rank):
        if i == joined:
            continue
        at = [(j, len(s) - rank + i) for j, s in enumerate(inputs) if len(s) - rank + i >= 0]
        sizes = [(j, k, inputs[j][k]) for j, k in at if not (joined is None and inputs[j][k] == 1)]
        if not sizes:
            continue
        ref = sizes[0][2]
        for j, k, d in sizes[1:]:
            if d != ref:
                where = i if len(inputs[j]) == rank else None
                out.append(Condition(name, "accepted", d - ref, 0, 0, (d, ref), where))
                aligned[j][k] = ref
    return [tuple(s) for s in aligned]


def _period(d: Dim) -> int | None:
    """L with d(v + L) - d(v) the same for every v: d is a sum of multiples of the symbol and of
    floors of such (one symbol); None for anything else (max, min, products)."""
    if isinstance(d, int):
        return 1
    return _terms_period(d.terms)


def _terms_period(terms: tuple[tuple[tuple[tuple[object, int], ...], int], ...]) -> int | None:
    period = 1
    for mono, _ in terms:
        if not mono:
            continue
        if len(mono) != 1 or mono[0][1] != 1:
            return None
        atom = mono[0][0]
        if isinstance(atom, Floor):
            inner = _terms_period(atom.num)
            if inner is None:
                return None
            period = math.lcm(period, inner * atom.den)
        elif not isinstance(atom, Sym):
            return None
    return period


def _condition_period(c: Condition, name: str, start: int, cap: int | None) -> int | None:
    """A period of the condition's truth as its one variable grows from `start`."""
    pv, ps = _period(c.value), _period(c.slack)
    if pv is None or ps is None:
        return None
    p = math.lcm(pv, ps)
    if cap is not None and start + p > cap:
        return None
    at = {name: start}
    later = {name: start + p}
    if evaluate(c.slack, later) != evaluate(c.slack, at):
        return None
    step = evaluate(c.value, later) - evaluate(c.value, at)
    if c.modulus == 0:
        return p if step == 0 else None
    return p * c.modulus // math.gcd(step, c.modulus)


def _solve(
    v: Variable, conds: list[Condition], ref: Mapping[str, int], lo: int, hi: int, cap: int | None
) -> dict[str, Admissible]:
    assert v.minimum is not None
    start = v.minimum
    env = dict(ref)
    out: dict[str, Admissible] = {}
    for criterion in CRITERIA:
        mine = [c for c in conds if c.criterion in ("accepted", criterion)]

        def ok(val: int, mine: list[Condition] = mine) -> bool:
            env[v.name] = val  # a condition coupled with other variables: those at `ref`
            return all(c.holds(env) for c in mine)

        periods = [_condition_period(c, v.name, start, cap) for c in mine if len(c.symbols()) <= 1]
        coupled = any(len(c.symbols()) > 1 for c in mine)
        top = hi if cap is None else min(hi, cap)
        in_range = range(max(lo, start), top + 1)
        if coupled or any(p is None for p in periods):
            out[criterion] = Admissible(start, None, (), tuple(s for s in in_range if ok(s)))
            if not v.note:
                v.note = "no closed form (a condition is not periodic)"
            continue
        period = math.lcm(1, *(p for p in periods if p is not None))
        if period > MAX_PERIOD:
            out[criterion] = Admissible(start, None, (), tuple(s for s in in_range if ok(s)))
            v.note = v.note or f"no closed form (period {period:,})"
            continue
        residues = {s % period for s in range(start, start + period) if ok(s)}
        modulus, reduced = _reduce(period, residues)
        sizes = tuple(s for s in in_range if s % period in residues)
        out[criterion] = Admissible(start, modulus, reduced, sizes)
    return out


def _refuted(v: Variable, accepts: Callable[[int], bool], top: int) -> int | None:
    """A size the closed form calls accepted that the engine refuses, among the first ones
    (a period at least) and the last in the range; None if they all check."""
    a = v.criteria["accepted"]
    if a.modulus is None:
        return None
    first = [s for s in range(a.start, a.start + max(a.modulus, VERIFIED)) if a.contains(s)]
    last = [s for s in range(top, max(a.start, top - a.modulus) - 1, -1) if a.contains(s)][:1]
    return next((s for s in [*first, *last] if not accepts(s)), None)


def _one_by_one(
    v: Variable,
    conds: list[Condition],
    ref: Mapping[str, int],
    lo: int,
    top: int,
    accepts: Callable[[int], bool],
) -> dict[str, Admissible]:
    """Every size in the range through the engine, then each criterion's conditions."""
    start = v.minimum or lo
    ok = [s for s in range(max(lo, start), top + 1) if accepts(s)]
    out: dict[str, Admissible] = {}
    for criterion in CRITERIA:
        mine = [c for c in conds if c.criterion in ("accepted", criterion)]
        out[criterion] = Admissible(
            start, None, (), tuple(s for s in ok if all(c.holds({**ref, v.name: s}) for c in mine))
        )
    return out


def _reduce(period: int, residues: set[int]) -> tuple[int, tuple[int, ...]]:
    """The smallest modulus whose classes make up the same set of sizes."""
    for d in range(1, period + 1):
        if period % d == 0:
            small = {r % d for r in residues}
            if len(small) * (period // d) == len(residues):
                return d, tuple(sorted(small))
    return period, tuple(sorted(residues))


def _listed(
    v: Variable,
    walk: Callable[[int], list[Condition]],
    accepts: Callable[[int], bool],
    dim: int,
    lo: int,
    top: int,
) -> dict[str, Admissible]:
    """Each size in the range on its own: the engine, and the conditions of a concrete walk
    on the variable's input dimension `dim` (the others are at sizes of their own)."""
    start = v.minimum or lo
    passing: dict[str, list[int]] = {c: [] for c in CRITERIA}
    for s in range(max(lo, start), top + 1):
        if not accepts(s):
            continue
        conds = [c for c in walk(s) if c.axis in (dim, None)]
        for criterion in CRITERIA:
            if all(c.holds({}) for c in conds if c.criterion in ("accepted", criterion)):
                passing[criterion].append(s)
    return {c: Admissible(start, None, (), tuple(s)) for c, s in passing.items()}


def _binding(c: Condition, v: Variable, ref: Mapping[str, int], cap: int | None) -> bool:
    """Whether a condition rules out some size (worth showing as a reason)."""
    assert v.minimum is not None
    p = _condition_period(c, v.name, v.minimum, cap) if len(c.symbols()) == 1 else None
    span = range(v.minimum, v.minimum + (p or 64))
    env = dict(ref)
    for s in span:
        env[v.name] = s
        if cap is not None and s > cap:
            break
        if not c.holds(env):
            return True
    return False
