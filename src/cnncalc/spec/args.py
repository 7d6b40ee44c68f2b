"""A spec's free arguments: `args:` at the top of a spec, and `--set NAME=VALUE` over them.

    args:
      phi: {default: 0, choices: [0, 1, 2, 3, 4, 5, 6, 7]}
      width: $[1.0, 1.0, 1.1, 1.2, 1.4, 1.6, 1.8, 2.0][phi]    # a default may read earlier args
      resolution: {default: 224, min: 32, max: 1024}

An argument is a name with a default (a value, or an expression over the arguments before it)
and, in the long form, bounds (`min`, `max`) and `choices`. The values reach every expression of
the spec's own file (input sizes, layer fields, repeat counts, block uses and the blocks it
defines), never an included file's blocks: those see only what a use passes them.

Faults in the spec are located SpecErrors (E110); faults in `--set` are UsageErrors (exit 2),
one line each. Nothing here evaluates Python: values go through spec/expr.py.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cnncalc.errors import Problem, UsageError, printable
from cnncalc.spec import expr
from cnncalc.spec.expr import ExprError, Value
from cnncalc.spec.yamlpos import Document, PathKey
from cnncalc.sym.expr import NAME

E_ARGS = "E110"  # as a block's `args:`: the definition or a value is wrong
LONG_KEYS = ("default", "min", "max", "choices", "description")
_INT = re.compile(r"[-+]?\d{1,100}\Z")
_FLOAT = re.compile(r"[-+]?(\d{1,100}(\.\d{0,100})?|\.\d{1,100})([eE][-+]?\d{1,3})?\Z")


@dataclass(frozen=True)
class ArgDef:
    name: str
    default: Any  # as written: a value or a `$` expression
    lo: float | None
    hi: float | None
    choices: tuple[Value, ...] | None
    path: PathKey  # ('args', name)

    def admits(self, v: Value) -> str:
        """'' when `v` is allowed, else why not (without the argument's name)."""
        if self.choices is not None and v not in self.choices:
            shown = ", ".join(expr.show(c) for c in self.choices)
            return f"{expr.show(v)} is not one of its choices ({shown})"
        if self.lo is not None or self.hi is not None:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                return f"expected a number, got {expr.kind(v)} {expr.show(v)}"
            if self.lo is not None and v < self.lo:
                return f"{expr.show(v)} is below its minimum {expr.show(self.lo)}"
            if self.hi is not None and v > self.hi:
                return f"{expr.show(v)} is above its maximum {expr.show(self.hi)}"
        return ""


def definitions(doc: Document, data: Any, problems: list[Problem]) -> list[ArgDef]:
    """The `args:` mapping of a spec, checked; problems are appended, located."""
    if data is None:
        return []
    if not isinstance(data, dict):
        problems.append(
            Problem(
                doc.where(("args",)),
                "args must map names to defaults",
                "args: {width: 1.0, resolution: {default: 224, min: 32}}",
                "",
                E_ARGS,
            )
        )
        return []
    out = [_definition(doc, name, raw, problems) for name, raw in data.items()]
    return [d for d in out if d is not None]


def _definition(doc: Document, name: Any, raw: Any, problems: list[Problem]) -> ArgDef | None:
    path: PathKey = ("args", name)

    def bad(message: str, hint: str = "", sub: PathKey = (), key: bool = False) -> None:
        problems.append(Problem(doc.where((*path, *sub), key=key), message, hint, "", E_ARGS))

    if not isinstance(name, str) or not NAME.fullmatch(name) or name in expr.RESERVED:
        bad(f"bad argument name {printable(str(name))!r}", "a name like width or phi", key=True)
        return None
    if name == "i" or name in expr.FUNCTIONS:
        what = "the repeat index" if name == "i" else "a function"
        bad(f"argument {name!r} would hide {what}", "choose another name", key=True)
        return None
    lo = hi = None
    choices: tuple[Value, ...] | None = None
    default = raw
    if raw is None:
        bad(f"argument {name!r} needs a default", "args: {width: 1.0}")
        return None
    if isinstance(raw, dict):
        unknown = [k for k in raw if k not in LONG_KEYS]
        if unknown:
            bad(
                f"unknown key {printable(str(unknown[0]))!r} in argument {name!r}",
                f"allowed: {', '.join(LONG_KEYS)}",
                (unknown[0],),
                key=True,
            )
            return None
        if "default" not in raw:
            bad(f"argument {name!r} needs a default", "e.g. {default: 1.0, min: 0.25}")
            return None
        default = raw["default"]
        for k in ("min", "max"):
            v = raw.get(k)
            if v is not None and (
                isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
            ):
                shown = expr.show(v) if isinstance(v, (str, list)) else printable(repr(v))
                bad(f"{k} of argument {name!r} must be a number, got {shown}", "", (k,))
                return None
        lo, hi = raw.get("min"), raw.get("max")
        if lo is not None and hi is not None and hi < lo:
            bad(f"argument {name!r}: max {hi} is below min {lo}", "", ("max",))
            return None
        if "choices" in raw:
            c = raw["choices"]
            try:
                if not isinstance(c, list) or not c:
                    raise ValueError
                choices = tuple(expr.value_of(x) for x in c)
            except (ValueError, ExprError):
                bad(
                    f"choices of argument {name!r} must be a non-empty list of values",
                    "choices: [0.5, 0.75, 1.0]",
                    ("choices",),
                )
                return None
    return ArgDef(name, default, lo, hi, choices, path)


def parse_sets(items: Sequence[str]) -> dict[str, str]:
    """`--set NAME=VALUE` items -> {NAME: VALUE text}; UsageError for a malformed one."""
    out: dict[str, str] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not eq or not NAME.fullmatch(name) or not text:
            raise UsageError(f"--set {printable(item)!r}: write NAME=VALUE, e.g. --set width=0.75")
        if name in out:
            raise UsageError(f"--set {name}: given twice")
        out[name] = text
    return out


class ArgFault(Exception):
    """A default that cannot be computed or breaks its bounds, for one set of values."""


def values(defs: Sequence[ArgDef], given: Mapping[str, Value]) -> dict[str, Value]:
    """Every argument's value for values already typed and checked (a sweep's variants):
    the given ones, and each other default computed over those before it. ArgFault when a
    default fails or breaks its own bounds."""
    env: dict[str, Value] = {}
    for d in defs:
        if d.name in given:
            env[d.name] = given[d.name]
            continue
        try:
            v = _value(d.default, env)
        except (ExprError, ArithmeticError, ValueError) as err:
            raise ArgFault(f"argument {d.name!r}: {err}") from None
        why = d.admits(v)
        if why:
            raise ArgFault(f"argument {d.name!r}: default {why}")
        env[d.name] = v
    return env


def typed(text: str, d: ArgDef) -> Value:
    """A value written on the command line (--set, --grid) for argument `d`, checked against
    its bounds and choices; UsageError, one line, when it does not fit."""
    default = None if _is_expr(d.default) or isinstance(d.default, dict) else d.default
    v = _from_text(text, d, default)
    why = d.admits(v)
    if why:
        raise UsageError(f"{d.name}={printable(text)[:80]}: {why}")
    return v


def names_read(value: Any) -> set[str]:
    """The names the `$` expressions in a YAML value read (for a sweep: which arguments reach
    the layers, which only the input's sizes)."""
    out: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str) and _is_expr(v):
            try:
                out.update(t.text for t in expr.tokenize(v[1:]) if t.kind == "name")
            except ExprError:
                continue
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return out


def _from_text(text: str, d: ArgDef, default: Value | None) -> Value:
    """A `--set` value: a number, true/false, or text where the argument takes text."""
    if _INT.match(text):  # as YAML reads it: 1 is an integer, 1.0 a float
        return int(text)
    if _FLOAT.match(text):
        f = float(text)
        if math.isfinite(f):
            if isinstance(default, int) and not isinstance(default, bool) and d.choices is None:
                raise UsageError(f"{d.name}={printable(text)[:80]}: {d.name} takes an integer")
            return f
    if text in ("true", "false"):
        return text == "true"
    takes_text = isinstance(default, str) or any(isinstance(c, str) for c in d.choices or ())
    if takes_text and len(text) <= expr.MAX_ITEMS:
        return text
    raise UsageError(f"{d.name}={printable(text)[:80]}: not a number")


def resolve(
    doc: Document, defs: list[ArgDef], sets: Mapping[str, Value], problems: list[Problem]
) -> dict[str, Value]:
    """The arguments' values: `--set` over the defaults, each default evaluated over the
    values before it. A text in `sets` is read as --set reads it, any other value is taken
    as it is (a sweep's, typed already). UsageError for a bad `--set`; spec faults go to
    `problems`."""
    names = {d.name for d in defs}
    for name in sets:
        if name not in names:
            have = ", ".join(sorted(names)) if names else "none (the spec has no args:)"
            hint = expr.suggest(name, sorted(names))
            raise UsageError(
                f"--set {name}: the spec has no argument {name!r}"
                + (f"; {hint}" if hint else f"; its arguments: {have}")
            )
    env: dict[str, Value] = {}
    for d in defs:
        where = doc.where(d.path)
        default: Value | None = None
        if d.name not in sets or not _is_expr(d.default):
            try:
                default = _value(d.default, env)
            except ExprError as err:
                problems.append(
                    Problem(where, f"argument {d.name!r}: {err.message}", err.hint, "", "E111")
                )
                return env
        if d.name in sets:
            given = sets[d.name]
            try:
                v = _from_text(given, d, default) if isinstance(given, str) else given
            except UsageError as err:
                raise UsageError(f"--set {err}") from None
            why = d.admits(v)
            if why:
                shown = printable(given if isinstance(given, str) else expr.show(given))[:80]
                raise UsageError(f"--set {d.name}={shown}: {why}")
        else:
            assert default is not None
            v = default
            why = d.admits(v)
            if why:
                problems.append(
                    Problem(where, f"argument {d.name!r}: default {why}", "", "", E_ARGS)
                )
                return env
        env[d.name] = v
    return env


def _is_expr(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("$") and not v.startswith("$$")


def _value(raw: Any, env: Mapping[str, Value]) -> Value:
    if _is_expr(raw):
        return expr.eval_text(raw[1:], env)
    if isinstance(raw, str) and raw.startswith("$$"):
        return raw[1:]
    try:
        return expr.value_of(raw)
    except ValueError:
        raise ExprError(
            f"a default is a number, text, true/false or a list, got {printable(repr(raw))[:80]}"
        ) from None


def substitute(value: Any, env: Mapping[str, Value]) -> Any:
    """`$` expressions in a plain YAML value (input sizes, expect, name) evaluated over the
    arguments; ExprError carries the message."""
    if isinstance(value, str) and value.startswith("$"):
        return value[1:] if value.startswith("$$") else expr.eval_text(value[1:], env)
    if isinstance(value, list):
        return [substitute(v, env) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, env) for k, v in value.items()}
    return value
