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
are listed instead, from the same conditions. A size 1 broadcasts in add and mul: such a merge
agrees where its sizes are equal or one is 1, which for sizes that grow happens below some
size only; the closed form then holds from there, and the sizes below it that pass are named.

The engine's own verdict on a size (the smallest accepted, and the check of the closed form)
comes from `_Engine`: each layer run once per distinct settings and input shapes, not one whole
analysis per size. A layer that refuses sizes the windows and merges allow (a stated
`in_features`) adds the sizes it accepts, from its input's formula, to the conditions.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from cnncalc.analysis.engine import analyze, step
from cnncalc.errors import LayerError, SpecError, UsageError
from cnncalc.layers.base import Layer, Shape, numel
from cnncalc.spec.network import INPUT, Network
from cnncalc.sym import Dim, Symbol, bounds, dmax, evaluate, free_symbols, render
from cnncalc.sym.poly import Floor, Sym

NAMES = {"channels": "C", "features": "F", "length": "L", "depth": "D", "height": "H", "width": "W"}
CRITERIA = ("accepted", "exact", "reads")
MAX_PERIOD = 1 << 16  # longer periods are listed over the range instead
MAX_RANGE = 1 << 20
VERIFIED = 8  # sizes from the smallest on that the engine checks against a closed form
ALL_VERIFIED = 64  # a list of sizes (no closed form) this long or shorter is checked whole
FIXED_LAYERS = 16  # layers refusing sizes the conditions allow, found one by one, at most
# the name of p·k + r in `at H = 32·k + 1`: the first not among the input's symbols
FRESH = ("k", "n", "m", "j", "q")


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
    broadcast: bool = False  # add/mul: the sides agree, or one of them is 1

    def text(self, ascii: bool = False) -> str:
        def r(d: Dim) -> str:
            return render(d, ascii)

        if self.sides is not None:
            same = f"{r(self.sides[0])} {'==' if ascii else '='} {r(self.sides[1])}"
            return same + (" (or either is 1)" if self.broadcast else "")
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
        if self.broadcast and self.sides is not None:
            a, b = (evaluate(d, env) for d in self.sides)
            return a == b or a == 1 or b == 1
        v = evaluate(self.value, env)
        if self.modulus == 0:
            return v == 0
        return v % self.modulus <= evaluate(self.slack, env)

    def symbols(self) -> frozenset[str]:
        sides = self.sides or ()
        return frozenset().union(*map(free_symbols, (self.value, self.slack, *sides)))

    def key(self) -> tuple[object, ...]:
        """What decides where it holds (conditions alike from several layers test once)."""
        return (self.value, self.modulus, self.slack, self.sides, self.broadcast)


@dataclass(frozen=True, slots=True)
class Admissible:
    """The sizes of one variable meeting one criterion: closed form v ≥ start, v mod modulus
    in residues, or v in also (sizes below start: a size 1 that broadcasts); modulus None: no
    closed form, `sizes` alone; and those in the range."""

    start: int
    modulus: int | None
    residues: tuple[int, ...]
    sizes: tuple[int, ...]
    also: tuple[int, ...] = ()

    def contains(self, v: int) -> bool:
        if self.modulus is None:
            return v in self.sizes
        return v in self.also or (v >= self.start and v % self.modulus in self.residues)

    def formula(self, name: str, ascii: bool = False) -> str:
        if self.modulus is None:
            return "listed (no closed form)"
        some = ", ".join(map(str, self.also))
        extra = (f"{name} in {{{some}}}" if ascii else f"{name} ∈ {{{some}}}") if some else ""
        if not self.residues:
            return extra or "none"
        return (extra + ", or " if extra else "") + self._periodic(name, ascii)

    def _periodic(self, name: str, ascii: bool) -> str:
        assert self.modulus is not None
        ge = ">=" if ascii else "≥"
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
    study = _Study(net, x, span)
    names = list(study.slots)
    given = {n: d for n, (_, d) in study.slots.items() if isinstance(d, int)}
    if given:  # the spec's own sizes: refused, its errors are the answer
        analyze(net, x)
    ref, minimum = _smallest(names, given, study.declared, study.first, max(span[1], 1))
    variables = [Variable(n, given.get(n), minimum[n]) for n in names]
    if ref is None or any(v.minimum is None for v in variables):
        for v in variables:
            v.note = (
                "no size in the range is accepted"
                if v.minimum is None
                else "another variable has no accepted size"
            )
            v.criteria = {c: Admissible(span[0], None, (), ()) for c in CRITERIA}
        return SizesReport(net.name, x, span, variables)
    study.base = ref
    # one symbolic walk: every variable a symbol from its smallest accepted size on
    symbols = {v.name: Symbol(v.name, v.minimum or 1, study.declared[v.name][1]) for v in variables}
    try:
        conds, seen = _walk(net, study.shape(symbols))
    except (LayerError, TypeError, ArithmeticError, ValueError) as err:
        message = err.message if isinstance(err, LayerError) else str(err)
        for v in variables:  # no formulas: every size in the range, from concrete walks
            study.listed(v, f"no closed form ({message})")
        return SizesReport(net.name, x, span, variables)
    taken = set(names).union(*(free_symbols(d) for d in x))
    for v in variables:
        study.solve(v, conds, seen)
        v.along = _along(net, study.shape, symbols, v, taken)
    return SizesReport(net.name, x, span, variables)


@dataclass
class _Study:
    """One network's input x and its variables: where each stands in x, its declared bounds,
    and (once known) the sizes the others sit at while one is studied."""

    net: Network
    x: Shape
    span: tuple[int, int]
    slots: dict[str, tuple[tuple[int, ...], Dim]] = field(init=False)
    declared: dict[str, tuple[int, int | None]] = field(init=False)
    engine: _Engine = field(init=False)
    base: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.slots, self.declared = _variables(self.net, self.x)
        self.engine = _Engine(self.net)

    def shape(self, values: Mapping[str, Dim]) -> Shape:
        out = list(self.x)
        for name, (axes, _) in self.slots.items():
            for i in axes:  # one symbol may stand on several axes (1xSxS)
                out[i] = values[name]
        return tuple(out)

    def at(self, name: str, s: int) -> Shape:
        return self.shape({**self.base, name: s})

    def accepts(self, values: Mapping[str, int]) -> bool:
        return self.engine.refusal(self.shape(values)) is None

    def first(
        self, values: Callable[[Dim], Mapping[str, Dim]], name: str, low: int, top: int
    ) -> int | None:
        return _first(self.net, self.engine, lambda d: self.shape(values(d)), name, low, top)

    def top(self, v: Variable) -> int:
        """The largest size studied: the range's, or the variable's declared maximum."""
        cap = self.declared[v.name][1]
        return self.span[1] if cap is None else min(self.span[1], cap)

    def listed(self, v: Variable, note: str) -> None:
        """Every size in the range on its own, from concrete walks (no formulas)."""
        v.note = note
        v.criteria = _listed(
            v,
            lambda s: conditions(self.net, self.at(v.name, s)),
            lambda s: self.accepts({**self.base, v.name: s}),
            self.slots[v.name][0],
            self.span[0],
            self.top(v),
        )

    def solve(self, v: Variable, conds: list[Condition], seen: list[tuple[Shape, ...]]) -> None:
        """A variable's closed forms from the symbolic walk's conditions, checked by the engine."""
        base, (lo, hi), cap = self.base, self.span, self.declared[v.name][1]
        mine = [c for c in conds if v.name in c.symbols()]
        if any(len(c.symbols()) > 1 for c in mine):
            others = ", ".join(f"{k} = {base[k]}" for k in self.slots if k != v.name)
            v.note = f"its conditions involve other variables: listed with {others}"
        # conditions without symbols hold for every size or none: they count along the
        # variable's own dimensions (after an adaptive pooling, say), not along the others
        axes = self.slots[v.name][0]
        constant = [c for c in conds if not c.symbols()]
        mine += [c for c in constant if c.axis is None or c.axis in axes]
        elsewhere = [c for c in constant if not (c.axis is None or c.axis in axes)]
        elsewhere = [c for c in elsewhere if not c.holds({})]
        if elsewhere:
            layers = list(dict.fromkeys(c.layer for c in elsewhere))
            where = ", ".join(layers[:3]) + (" and others" if len(layers) > 3 else "")
            v.note = v.note or f"the input's other, fixed sizes leave remainders ({where})"
        v.criteria = _solve(v, mine, base, lo, hi, cap)
        v.conditions = [c for c in mine if _binding(c, v, base, cap)]
        at = functools.partial(self.at, v.name)
        _check(v, self.engine, seen, mine, base, lo, self.top(v), at)


class _Engine:
    """The engine's verdict on an input without a whole analysis per size: the layers in
    order, each one's result kept by its settings (all but its name and inputs) and its input
    shapes, so that layers alike seeing the same sizes (a chain of 3x3 convolutions, the layers
    after a global pooling) run once; a walk stops at the first layer that refuses."""

    def __init__(self, net: Network) -> None:
        self.nodes = net.nodes
        kinds: dict[str, int] = {}
        self.kind = [kinds.setdefault(_settings(n.layer), len(kinds)) for n in net.nodes]
        self.memo: dict[tuple[int, tuple[Shape, ...]], Shape | None] = {}

    def run(self, i: int, inputs: tuple[Shape, ...]) -> Shape | None:
        """Layer i's output on these inputs; None where the engine refuses it."""
        key = (self.kind[i], inputs)
        if key not in self.memo:
            try:
                self.memo[key] = step(self.nodes[i], inputs)[0]
            except (LayerError, TypeError, ArithmeticError, RecursionError):
                self.memo[key] = None
        return self.memo[key]

    def refusal(self, x: Shape) -> int | None:
        """The first layer that refuses input x (None: analyze accepts it)."""
        env: dict[str, Shape] = {INPUT: x}
        for i, node in enumerate(self.nodes):
            y = self.run(i, tuple(env[n] for n in node.inputs))
            if y is None:
                return i
            env[node.name] = y
        return None


def _settings(layer: Layer) -> str:
    return repr(layer.model_copy(update={"name": None, "from_": None, "expect": None}))


def _smallest(
    names: list[str],
    given: dict[str, int],
    declared: Mapping[str, tuple[int, int | None]],
    first: Callable[[Callable[[Dim], Mapping[str, Dim]], str, int, int], int | None],
    ceiling: int,
) -> tuple[dict[str, int] | None, dict[str, int | None]]:
    """Sizes the others sit at while one variable is studied (the spec's, or the smallest
    accepted with all variables equal), and each variable's smallest accepted size, up to
    `ceiling` (or its declared maximum)."""
    ref: dict[str, int] | None = dict(given) if given else None
    if not given:
        start = max((declared[n][0] for n in names), default=1)
        s = first(lambda d: dict.fromkeys(names, d), names[0], start, max(start, ceiling))
        ref = None if s is None else dict.fromkeys(names, s)
    minimum: dict[str, int | None] = {}
    for n in names:
        low, high = declared[n]
        top = min(max(ceiling, low), high or ceiling)
        minimum[n] = None if ref is None else first(functools.partial(_with, ref, n), n, low, top)
    return ref, minimum


def _with(values: Mapping[str, int], name: str, d: Dim) -> dict[str, Dim]:
    return {**values, name: d}


def _first(
    net: Network, engine: _Engine, at: Callable[[Dim], Shape], name: str, low: int, top: int
) -> int | None:
    """The smallest size from low to top that the engine accepts. A layer that refuses one
    size rules out every size it refuses, from its input's formula (one symbolic walk, as far
    as it gets): the search goes on at the next size all such layers take."""
    seen = _walk(net, at(Symbol(name, low)), partial=True)[1]
    allowed: dict[int, frozenset[int]] = {}
    s = low
    while s <= top:
        node = engine.refusal(at(s))
        if node is None:
            return s
        if node < len(seen) and node not in allowed:
            allowed[node] = _takes(engine, node, seen[node], name, {}, range(s + 1, top + 1))
        s = next(
            (t for t in range(s + 1, top + 1) if all(t in a for a in allowed.values())), top + 1
        )
    return None


def _check(
    v: Variable,
    engine: _Engine,
    seen: Sequence[tuple[Shape, ...]],
    conds: list[Condition],
    ref: Mapping[str, int],
    lo: int,
    top: int,
    at: Callable[[int], Shape],
) -> None:
    """The engine checks the sizes the closed form (or list) accepts: the first ones (a period
    at least) and the last in the range, or a whole short list. A layer that refuses one (a
    layer fixed to one size) adds the sizes it accepts, from its input's formula; where that
    does not settle it, every size in turn."""
    layers: dict[int, frozenset[int]] = {}
    for _ in range(FIXED_LAYERS):
        refused = _refuted(v, engine, top, at)
        if refused is None:
            return
        size, node = refused
        if node in layers:
            break  # its formula and the engine disagree
        layers[node] = _accepted_by(engine, node, seen[node], v, ref, lo, top)
        name = engine.nodes[node].name
        v.note = (
            f"no closed form: {name} refuses {v.name} = {size}, which the windows and merges "
            "allow (a layer fixed to one size?)"
        )
        v.criteria = _restricted(v, conds, ref, lo, top, layers)
    v.criteria = _one_by_one(v, conds, ref, lo, top, lambda s: engine.refusal(at(s)) is None)


def _refuted(
    v: Variable, engine: _Engine, top: int, at: Callable[[int], Shape]
) -> tuple[int, int] | None:
    """A size the criteria call accepted that the engine refuses, with the layer refusing."""
    a = v.criteria["accepted"]
    if a.modulus is None:
        sample = list(a.sizes if len(a.sizes) <= ALL_VERIFIED else a.sizes[:VERIFIED])
        sample += list(a.sizes[-1:])
    else:
        period = range(a.start, a.start + max(a.modulus, VERIFIED))
        first = [*a.also, *(s for s in period if a.contains(s))]
        last = [s for s in range(top, max(a.start, top - a.modulus) - 1, -1) if a.contains(s)]
        sample = [*first, *last[:1]]
    for s in sample:
        node = engine.refusal(at(s))
        if node is not None:
            return s, node
    return None


def _accepted_by(
    engine: _Engine,
    node: int,
    inputs: tuple[Shape, ...],
    v: Variable,
    ref: Mapping[str, int],
    lo: int,
    top: int,
) -> frozenset[int]:
    """The sizes in the range at which one layer takes its inputs (their formulas evaluated)."""
    return _takes(engine, node, inputs, v.name, ref, range(max(lo, v.minimum or lo), top + 1))


def _takes(
    engine: _Engine,
    node: int,
    inputs: tuple[Shape, ...],
    name: str,
    ref: Mapping[str, int],
    sizes: range,
) -> frozenset[int]:
    """The sizes at which one layer takes its inputs, their formulas evaluated."""
    out = set()
    env = dict(ref)
    for s in sizes:
        env[name] = s
        try:
            x = tuple(tuple(evaluate(d, env) for d in shape) for shape in inputs)
        except (TypeError, ArithmeticError):
            continue
        if engine.run(node, x) is not None:
            out.add(s)
    return frozenset(out)


def _restricted(
    v: Variable,
    conds: list[Condition],
    ref: Mapping[str, int],
    lo: int,
    top: int,
    layers: Mapping[int, frozenset[int]],
) -> dict[str, Admissible]:
    """Each criterion's sizes in the range, from its conditions and the layers' own sizes."""
    start = v.minimum or lo
    ok = [s for s in range(max(lo, start), top + 1) if all(s in a for a in layers.values())]
    return _by_criterion(v, conds, ref, start, ok)


def _along(
    net: Network,
    shape: Callable[[Mapping[str, Dim]], Shape],
    symbols: Mapping[str, Dim],
    v: Variable,
    taken: set[str],
) -> tuple[Dim, str, Shape] | None:
    """The exact sizes as p·k + r, and the smallest map that depends on k (the last one of
    that size): the deepest stage, in k. k is a name that none of the input's symbols has."""
    a = v.criteria["exact"]
    if a.modulus is None or a.modulus == 1 or len(a.residues) != 1 or a.also:
        return None
    r = a.residues[0]
    more = (f"k{i}" for i in itertools.count(1))
    name = next(n for n in itertools.chain(FRESH, more) if n not in taken)
    k = Symbol(name, max(0, -(-(a.start - r) // a.modulus)))
    size = a.modulus * k + r
    x = shape({**symbols, v.name: size})
    try:
        report = analyze(net, x)
    except SpecError:
        return None
    # sizes far up, where the largest term decides (within any declared maximum)
    probe = {n: bounds(d)[1] or 1 << 20 for n, d in symbols.items()} | {name: 1 << 20}
    maps = [
        (evaluate(numel(s.output_shape[1:]), probe), i)
        for i, s in enumerate(report.layers)
        if len(s.output_shape) == len(x) and name in free_symbols(numel(s.output_shape[1:]))
    ]
    if not maps:
        return None
    deepest = report.layers[min(maps, key=lambda m: (m[0], -m[1]))[1]]
    return size, deepest.name, deepest.output_shape


def _variables(
    net: Network, x: Shape
) -> tuple[dict[str, tuple[tuple[int, ...], Dim]], dict[str, tuple[int, int | None]]]:
    """name -> (its input indices, the size there), and each variable's declared bounds: the
    input's symbols (one may stand on several axes), or else its spatial sizes under the names
    H, W, D, L."""
    slots: dict[str, tuple[tuple[int, ...], Dim]] = {}
    declared: dict[str, tuple[int, int | None]] = {}
    for i, d in enumerate(x):
        if not isinstance(d, int):
            names = free_symbols(d)
            if len(names) != 1 or bounds(d)[0] is None or render(d) not in names:
                raise UsageError(
                    f"input size {render(d)}: give plain symbols (3xHxW) to `cnncalc sizes`"
                )
            low, high = bounds(d)
            axes = slots[render(d)][0] if render(d) in slots else ()
            slots[render(d)] = ((*axes, i), d)
            declared[render(d)] = (max(low or 1, 1), high)
    if slots:
        return slots, declared
    keys = net.input_names if len(net.input_names) == len(x) else ()
    for i, d in enumerate(x):
        if i == 0 and len(x) > 1:
            continue  # channels
        name = NAMES.get(keys[i], f"X{i}") if keys else f"X{i}"
        slots[name] = ((i,), d)
        declared[name] = (1, None)
    return slots, declared


def conditions(net: Network, x: Shape) -> list[Condition]:
    """Every layer's divisions and merges, walking the network with inputs x (symbolic or
    not); merges continue as if their inputs agreed, so one walk sees every condition."""
    return _walk(net, x)[0]


def _walk(
    net: Network, x: Shape, partial: bool = False
) -> tuple[list[Condition], list[tuple[Shape, ...]]]:
    """The conditions, and each layer's inputs (a merge's as they come, before aligning);
    partial: those of the layers up to the first one the walk cannot pass, with no error."""
    out: list[Condition] = []
    seen: list[tuple[Shape, ...]] = []
    try:
        _steps(net, x, out, seen)
    except (LayerError, TypeError, ArithmeticError, ValueError, RecursionError):
        if not partial:
            raise
    return out, seen


def _steps(net: Network, x: Shape, out: list[Condition], seen: list[tuple[Shape, ...]]) -> None:
    env: dict[str, Shape] = {INPUT: x}
    for node in net.nodes:
        layer = node.layer
        inputs = [env[i] for i in node.inputs]
        seen.append(tuple(inputs))
        if len(inputs) > 1:
            inputs = _align(node.name, layer, inputs, out, len(x))
        else:
            _divisions(node.name, layer, inputs[0], out, len(x))
        y = layer.infer(inputs)
        if layer.activation is not None:
            y = layer.activation.infer([y])
        env[node.name] = y


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


def _may_be_one(d: Dim) -> bool:
    low = bounds(d)[0]
    return not isinstance(d, int) and (low is None or low <= 1)


def _align(
    name: str, layer: Layer, inputs: Sequence[Shape], out: list[Condition], rank: int
) -> list[Shape]:
    """Conditions that a several-input layer's inputs agree where the layer needs them to
    (`Layer.agreements`: a merge on every axis but a concat's, a 1 broadcasting in add and
    mul; matmul's columns and rows), and the inputs made to agree. `rank`: the network
    input's."""
    aligned = [list(s) for s in inputs]
    for agree in layer.agreements(inputs):
        sizes = [
            (j, k, inputs[j][k])
            for j, k in agree.places
            if not (agree.broadcast and inputs[j][k] == 1)
        ]
        if len({d for _, _, d in sizes}) < 2:
            continue

        def where(j: int, k: int) -> int | None:
            return k if len(inputs[j]) == rank else None

        ones = agree.broadcast and any(_may_be_one(d) for _, _, d in sizes)
        if not ones:
            ref = sizes[0][2]
            for j, k, d in sizes[1:]:
                if d != ref:
                    out.append(Condition(name, "accepted", d - ref, 0, 0, (d, ref), where(j, k)))
                    aligned[j][k] = ref
            continue
        # a size that may be 1 broadcasts: the sizes agree, or one of them is 1; the output is
        # the one that is never 1 where there is one (else the largest)
        anchor = next((d for _, _, d in sizes if not _may_be_one(d)), None)
        pairs = (
            [((j, k, d), anchor) for j, k, d in sizes if d != anchor]
            if anchor is not None
            else [((j, k, a), b) for n, (j, k, a) in enumerate(sizes) for _, _, b in sizes[n + 1 :]]
        )
        for (j, k, a), b in pairs:
            if a != b:
                out.append(Condition(name, "accepted", a - b, 0, 0, (a, b), where(j, k), True))
        joint = anchor
        if joint is None:
            joint = sizes[0][2]
            for _, _, d in sizes[1:]:
                joint = dmax(joint, d)
        for j, k, _ in sizes:
            aligned[j][k] = joint
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


def _cycle(c: Condition, name: str, start: int, cap: int | None) -> tuple[int, int] | None:
    """(from, period): from `from` on, the condition's truth repeats every `period` sizes.
    A broadcast holds where a side is 1, which a side that grows (or shrinks) is no more past
    some size: from there on only the equality counts."""
    period = _condition_period(c, name, start, cap)
    if period is None or not c.broadcast or c.sides is None:
        return None if period is None else (start, period)
    for side in c.sides:
        p = _period(side)
        if p is None:
            return None
        period = math.lcm(period, p)
    after = start
    for side in c.sides:
        first = [evaluate(side, {name: s}) for s in range(start, start + period)]
        step = evaluate(side, {name: start + period}) - first[0]
        if step > 0:  # at least 2 from there on
            after = max(after, start + max(0, -(-(2 - min(first)) // step)) * period)
        elif step < 0:  # at most 0 from there on
            after = max(after, start + max(0, -(-max(first) // -step)) * period)
    if cap is not None and after + period > cap:
        return None
    return after, period


def _solve(
    v: Variable, conds: list[Condition], ref: Mapping[str, int], lo: int, hi: int, cap: int | None
) -> dict[str, Admissible]:
    assert v.minimum is not None
    start = v.minimum
    env = dict(ref)
    out: dict[str, Admissible] = {}
    for criterion in CRITERIA:
        mine = [c for c in conds if c.criterion in ("accepted", criterion)]
        unique = list({c.key(): c for c in mine}.values())

        def ok(val: int, mine: list[Condition] = unique) -> bool:
            env[v.name] = val  # a condition coupled with other variables: those at `ref`
            return all(c.holds(env) for c in mine)

        cycles = [_cycle(c, v.name, start, cap) for c in unique if len(c.symbols()) <= 1]
        coupled = any(len(c.symbols()) > 1 for c in unique)
        top = hi if cap is None else min(hi, cap)
        in_range = range(max(lo, start), top + 1)
        if coupled or any(c is None for c in cycles):
            out[criterion] = Admissible(start, None, (), tuple(s for s in in_range if ok(s)))
            if not v.note:
                v.note = "no closed form (a condition is not periodic)"
            continue
        period = math.lcm(1, *(c[1] for c in cycles if c is not None))
        after = max((c[0] for c in cycles if c is not None), default=start)
        if period > MAX_PERIOD or after - start > MAX_RANGE:
            out[criterion] = Admissible(start, None, (), tuple(s for s in in_range if ok(s)))
            v.note = v.note or f"no closed form (period {period:,})"
            continue
        residues = {s % period for s in range(after, after + period) if ok(s)}
        while after > start and ok(after - 1) == ((after - 1) % period in residues):
            after -= 1  # the periodic form holds further down
        also = tuple(s for s in range(start, after) if ok(s))
        if also and residues:  # from its first size on: H ≥ 256, not H ≥ 2, for 0 (mod 256)
            after = next(s for s in itertools.count(after) if s % period in residues)
        modulus, reduced = _reduce(period, residues)
        sizes = tuple(s for s in in_range if s in also or (s >= after and s % period in residues))
        out[criterion] = Admissible(after, modulus, reduced, sizes, also)
    return out


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
    return _by_criterion(
        v, conds, ref, start, [s for s in range(max(lo, start), top + 1) if accepts(s)]
    )


def _by_criterion(
    v: Variable, conds: list[Condition], ref: Mapping[str, int], start: int, ok: list[int]
) -> dict[str, Admissible]:
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
    axes: tuple[int, ...],
    lo: int,
    top: int,
) -> dict[str, Admissible]:
    """Each size in the range on its own: the engine, and the conditions of a concrete walk
    on the variable's input dimensions `axes` (the others are at sizes of their own)."""
    start = v.minimum or lo
    passing: dict[str, list[int]] = {c: [] for c in CRITERIA}
    for s in range(max(lo, start), top + 1):
        if not accepts(s):
            continue
        conds = [c for c in walk(s) if c.axis is None or c.axis in axes]
        for criterion in CRITERIA:
            if all(c.holds({}) for c in conds if c.criterion in ("accepted", criterion)):
                passing[criterion].append(s)
    return {c: Admissible(start, None, (), tuple(s)) for c, s in passing.items()}


def _binding(c: Condition, v: Variable, ref: Mapping[str, int], cap: int | None) -> bool:
    """Whether a condition rules out some size (worth showing as a reason)."""
    assert v.minimum is not None
    cycle = _cycle(c, v.name, v.minimum, cap) if len(c.symbols()) == 1 else None
    span = range(v.minimum, sum(cycle) if cycle else v.minimum + 64)
    env = dict(ref)
    for s in span:
        env[v.name] = s
        if cap is not None and s > cap:
            break
        if not c.holds(env):
            return True
    return False
