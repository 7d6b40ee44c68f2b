"""One spec's figures for many values of its arguments, with work done once per spec and
once per network structure, not once per variant.

The spec is read and its `args:` checked once. The arguments split in two: those that reach
the layers (width, depth) and those that reach only the input's sizes (resolution). The
first kind decide the *structure*, built and validated once: keyed by the values of the
expressions through which they reach the layers where those read only arguments (two widths
that round to the same channels are one structure), else by their own values. A structure
met at one size is analysed at that size; once a second size is asked, it is analysed once
more with those input sizes as symbols bounded below by the sizes asked, which gives every
figure as a closed form in them (the engine refuses a symbolic analysis that could fail for
some allowed size, so every size above the bound is valid); each variant then evaluates
these forms. A smaller size, a structure whose merges agree only for some sizes (a U-Net's
skips) or a spec whose symbolic analysis fails is analysed concretely, once per input shape.
tests/sweep/test_sweep.py checks every path against a plain load-and-analyze of each variant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from cnncalc.analysis.engine import Report, analyze
from cnncalc.errors import CnncalcError, Problem, SpecError, UsageError
from cnncalc.spec import args as spec_args
from cnncalc.spec.args import ArgDef, ArgFault
from cnncalc.spec.expr import ExprError, Node, Value
from cnncalc.spec.expr import evaluate as expr_evaluate
from cnncalc.spec.expr import parse as expr_parse
from cnncalc.spec.load import build
from cnncalc.spec.yamlpos import Document, parse_file
from cnncalc.sym import Dim, Expr, Symbol, evaluate

FIGURES = ("params", "trainable", "macs", "output", "layers")
# layers whose symbolic sizes may be accepted where only some concrete sizes pass
_CONDITIONAL = frozenset({"reshape", "view", "unflatten", "split", "chunk"})
_NOT_LAYERS = ("name", "description", "expect", "args", "input")


@dataclass(frozen=True)
class Figures:
    params: int
    trainable: int
    macs: int
    output: str  # '1000', or '16x80x80;1000' for several outputs
    layers: int
    saved_bytes: int | None = None  # with a batch: what autograd saves (analysis/memory.py)


@dataclass
class Structure:
    """One set of values of the arguments that reach the layers: a network, and its report
    over symbolic input sizes (None: concrete only), valid from `low` up."""

    error: str = ""  # the code that makes every variant of it invalid
    report: Report | None = None
    symbols: tuple[int, ...] = ()  # input axes that are symbols, by position
    low: tuple[int, ...] = ()
    net: Any = None
    tried: set[tuple[int, ...]] = field(default_factory=set)  # bounds tried
    first: tuple[int, ...] = ()  # the first input shape asked


class Evaluator:
    def __init__(self, path: str | Path, batch: int | None = None) -> None:
        self.path = str(path)
        self.batch = batch  # add saved_bytes at this batch (float32): a concrete analysis
        self.saved: dict[tuple[Any, ...], int | str] = {}
        self.doc: Document = parse_file(path)
        data = self.doc.data if isinstance(self.doc.data, dict) else {}
        problems: list[Problem] = []
        self.defs: list[ArgDef] = spec_args.definitions(self.doc, data.get("args"), problems)
        if problems:
            raise SpecError(problems)
        spec_args.resolve(self.doc, self.defs, {}, problems)  # the defaults themselves
        if problems:
            raise SpecError(problems)
        self.by_name = {d.name: d for d in self.defs}
        raw_input = data.get("input")
        self.input_exprs: dict[str, Any] = raw_input if isinstance(raw_input, dict) else {}
        symbolic = [
            str(v)
            for v in self.input_exprs.values()
            if isinstance(v, str) and not v.startswith("$")
        ]
        if symbolic:
            raise UsageError(
                f"sweep counts concrete networks: the input has symbols ({', '.join(symbolic)}); "
                "make the sizes arguments instead, e.g. height: $resolution"
            )
        self.input_only = _input_only(data, self.defs)
        self.structural = tuple(d.name for d in self.defs if d.name not in self.input_only)
        self.key_exprs = _key_expressions(data, set(self.structural))
        self.structures: dict[tuple[Any, ...], Structure] = {}
        self.concrete: dict[tuple[Any, ...], Figures | str] = {}
        self.built = 0  # structures built (benchmarks report it)
        self._last: tuple[tuple[Any, ...], tuple[int, ...]] = (
            (),
            (),
        )  # the variant's network, shape

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.defs)

    def figures(self, given: Mapping[str, Value]) -> Figures | str:
        """The figures of one variant, or the error code that makes it invalid."""
        fig = self._figures(given)
        if self.batch is None or isinstance(fig, str):
            return fig
        saved = self.saved.get(self._last)
        if saved is None:
            saved = self.saved[self._last] = self._saved_bytes(*self._last)
        return saved if isinstance(saved, str) else replace(fig, saved_bytes=saved)

    def _saved_bytes(self, key: tuple[Any, ...], shape: tuple[int, ...]) -> int | str:
        """Bytes autograd saves, from a concrete analysis (memory needs numbers), once per
        network and input shape."""
        from cnncalc.analysis.memory import saved_bytes

        assert self.batch is not None
        try:
            rep = analyze(self.structures[key].net, shape)
            return saved_bytes(rep, self.batch, "float32").saved
        except SpecError as err:
            return _code(err)
        except (CnncalcError, ValueError, ArithmeticError):
            return "E000"

    def _figures(self, given: Mapping[str, Value]) -> Figures | str:
        try:
            env = spec_args.values(self.defs, given)
        except ArgFault:
            return "E110"
        key = self._key(env)
        st = self.structures.get(key)
        if st is None:
            st = self.structures[key] = self._structure(env)
        if st.error:
            return st.error
        shape = self._input_shape(env, st)
        if isinstance(shape, str):
            return shape
        self._last = (key, shape)
        if st.report is not None:
            if all(shape[a] >= lo for a, lo in zip(st.symbols, st.low, strict=True)):
                return _closed(st, shape)
            if self._widen(st, shape):
                return _closed(st, shape)
        elif st.symbols and st.first and shape != st.first and not st.tried:
            # a second input size for this structure: its closed forms will pay off
            for low in (
                tuple(min(shape[j], st.first[j]) for j in st.symbols),
                tuple(shape[j] for j in st.symbols),  # the first size may be the invalid one
            ):
                if low not in st.tried:
                    st.tried.add(low)
                    if self._symbolic(st, low):
                        return _closed(st, shape)
        if not st.first:
            st.first = shape
        return self._concrete(key, st, shape)

    def _key(self, env: Mapping[str, Value]) -> tuple[Any, ...]:
        """What decides the network: the values of the expressions through which the
        arguments reach the layers, where those read nothing else (two widths that round to
        the same channels are one network), else the arguments themselves."""
        if self.key_exprs is not None:
            try:
                return ("v", *(_hashable(expr_evaluate(n, env)) for n in self.key_exprs))
            except (ExprError, ArithmeticError, ValueError):
                pass  # the build reports it, located
        return ("a", *(_hashable(env[n]) for n in self.structural))

    # ---- structures -------------------------------------------------------------------
    def _structure(self, env: Mapping[str, Value]) -> Structure:
        self.built += 1
        try:
            net = build(self.doc, env)
        except SpecError as err:
            return Structure(error=_code(err))
        except CnncalcError:
            return Structure(error="E000")
        if any(not isinstance(d, int) for d in net.input_shape):  # `height: $'H'`
            raise UsageError("sweep counts concrete networks: the input has symbols")
        symbols = tuple(
            j
            for j, key in enumerate(net.input_names)
            if spec_args.names_read(self.input_exprs.get(key)) & self.input_only
        )
        # analysed symbolically only once a second input size asks for it (figures): a
        # structure met once is cheaper analysed at its one size
        return Structure(net=net, symbols=symbols)

    def _symbolic(self, st: Structure, low: tuple[int, ...]) -> bool:
        net = st.net
        shape: list[Dim] = list(net.input_shape)
        for k, (j, lo) in enumerate(zip(st.symbols, low, strict=True)):
            shape[j] = Symbol(f"X{k}", lo, None)
        try:
            rep = analyze(net, tuple(shape))
        except (SpecError, CnncalcError, ValueError, ArithmeticError):
            return False
        if _conditional(rep):
            return False
        st.report, st.low = rep, low
        return True

    def _widen(self, st: Structure, shape: tuple[int, ...]) -> bool:
        """A size below the structure's bound: try the symbolic analysis from there once."""
        low = tuple(min(shape[j], lo) for j, lo in zip(st.symbols, st.low, strict=True))
        if low in st.tried:
            return False
        st.tried.add(low)
        return self._symbolic(st, low)

    def _input_shape(self, env: Mapping[str, Value], st: Structure) -> tuple[int, ...] | str:
        net = st.net
        if not st.symbols:
            return tuple(evaluate(d, {}) for d in net.input_shape)
        out: list[int] = []
        for key, d in zip(net.input_names, net.input_shape, strict=True):
            raw = self.input_exprs.get(key)
            if isinstance(d, int) and not spec_args.names_read(raw) & self.input_only:
                out.append(d)
                continue
            try:
                v = spec_args.substitute(raw, env)
            except (ExprError, ArithmeticError, ValueError):
                return "E111"
            if type(v) is not int or v < 1:
                return "E002"
            out.append(v)
        return tuple(out)

    def _concrete(
        self, key: tuple[Any, ...], st: Structure, shape: tuple[int, ...]
    ) -> Figures | str:
        ck = (key, shape)
        hit = self.concrete.get(ck)
        if hit is None:
            try:
                rep = analyze(st.net, shape)
                t = rep.totals
                hit = Figures(
                    evaluate(t.params, {}),
                    evaluate(t.trainable, {}),
                    evaluate(t.macs, {}),
                    _shapes(rep.outputs, {}),
                    len(rep.layers),
                )
            except SpecError as err:
                hit = _code(err)
            except (CnncalcError, ValueError, ArithmeticError):
                hit = "E000"
            self.concrete[ck] = hit
        return hit


def _closed(st: Structure, shape: tuple[int, ...]) -> Figures:
    rep = st.report
    assert rep is not None
    env = {f"X{k}": shape[j] for k, j in enumerate(st.symbols)}
    t = rep.totals
    return Figures(
        evaluate(t.params, env),
        evaluate(t.trainable, env),
        evaluate(t.macs, env),
        _shapes(rep.outputs, env),
        len(rep.layers),
    )


def _shapes(outputs: Sequence[Sequence[Dim]], env: Mapping[str, int]) -> str:
    return ";".join("x".join(str(evaluate(d, env)) for d in s) for s in outputs)


def _conditional(rep: Report) -> bool:
    """Whether a concrete size may fail where the symbolic analysis passed: a merge whose
    symbolic sizes differ (they agree for some sizes only), or a layer that splits or
    reshapes symbolic sizes."""
    for s in rep.layers:
        symbolic = any(isinstance(d, Expr) for shape in s.input_shapes for d in shape)
        if not symbolic:
            continue
        if s.type in _CONDITIONAL:
            return True
        if len(s.input_shapes) > 1:
            for agreement in s.node.layer.agreements(s.input_shapes):
                dims = [s.input_shapes[i][a] for i, a in agreement.places]
                if any(not _same(dims[0], d) for d in dims[1:]):
                    return True
    return False


def _same(a: Dim, b: Dim) -> bool:
    diff = a - b
    return isinstance(diff, int) and diff == 0


def _input_only(data: Mapping[str, Any], defs: Sequence[ArgDef]) -> frozenset[str]:
    """The arguments that reach nothing but the input's sizes (with what their defaults
    read): every other one is part of a structure's key."""
    names = {d.name for d in defs}
    defaults = {d.name: spec_args.names_read(d.default) & names for d in defs}

    def closure(seed: set[str]) -> set[str]:
        out, todo = set(), list(seed & names)
        while todo:
            n = todo.pop()
            if n not in out:
                out.add(n)
                todo.extend(defaults[n])
        return out

    layers = spec_args.names_read({k: v for k, v in data.items() if k not in _NOT_LAYERS})
    structural = closure(layers)
    return frozenset(closure(spec_args.names_read(data.get("input"))) - structural)


def _key_expressions(data: Mapping[str, Any], structural: set[str]) -> list[Node] | None:
    """The `$` expressions of `layers:` and `input:` that read structural arguments, when
    they read only arguments and no block of the spec's own reads one (its body would see
    them); else None."""
    if spec_args.names_read(data.get("blocks")) & structural:
        return None
    found: dict[str, Node] = {}
    stack = [data.get("layers"), data.get("input")]  # an input size may read one too
    while stack:
        v = stack.pop()
        if isinstance(v, str) and v.startswith("$") and not v.startswith("$$"):
            names = spec_args.names_read(v)
            if not names & structural:
                continue
            try:
                node = expr_parse(v[1:])
            except ExprError:
                return None
            if not _free_names(node) <= structural:
                return None  # reads `i` or a block's names too: not a function of the args
            found.setdefault(v, node)
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return [found[k] for k in sorted(found)]


def _free_names(node: Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "var":
            out.add(str(n.value))
        stack.extend(n.args)
    return out


def _hashable(v: Value) -> Any:
    return tuple(_hashable(x) for x in v) if isinstance(v, list) else (type(v), v)


def _code(err: SpecError) -> str:
    return err.problems[0].code if err.problems else "E000"
