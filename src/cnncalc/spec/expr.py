"""The expression language of block arguments: a small, bounded subset of Python expressions.
Why not sym/parse.py: block arguments compute Python values (floats, strings, lists, true `/`,
comparisons); sym/parse.py builds exact symbolic sizes only. The two share the name rule (NAME).

    $planes * 4            $2 if i == 0 else 1          $make_divisible(c * width, 8)

Numbers behave as in Python, integers and floats, because the networks described are Python
code: torchvision's MobileNet at width 0.35 has make_divisible(720 * 0.35, 8) = 248 channels
(the float product is 251.99…), where exact arithmetic would give 256. Operators and their
precedence are Python's: `if else`, `or`, `and`, `not`, comparisons (chained), `+ -`,
`* / // %`, unary `- +`, `**`, calls, indexing `a[i]`, lists `[a, b]`, strings 'x' or "x".
Our own tokenizer and parser; nothing reaches Python's eval. Every input is bounded: source
length, token count, nesting depth, and the size of every number, string and list produced.
A list's size is its whole content, nested lists included and a list that appears several
times counted each time (as `==`, `repr` or a copy would walk it): `[[0] * 100] * 100` holds
10,000 items, so `[[[0] * 10000] * 10000] * 10000` is refused as it is built, not later when
something walks its 10^12 items.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Union, cast

from cnncalc.errors import brief
from cnncalc.sym.expr import NAME

Value = Union[int, float, bool, str, list["Value"]]  # noqa: UP007 (a recursive alias)

MAX_SOURCE = 1000  # characters
MAX_TOKENS = 400
MAX_DEPTH = 40  # nesting of parentheses, operators and calls
MAX_BITS = 256  # integers below 2**256 in size; floats finite
MAX_ITEMS = 10_000  # characters and items of one value, through nested lists (see size)

RESERVED = frozenset({"and", "or", "not", "if", "else", "True", "False", "true", "false", "None"})


class ExprError(Exception):
    """A problem in an expression; `col` is the 0-based offset in its source text."""

    def __init__(self, message: str, col: int = 0, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.col = col
        self.hint = hint


# ---- tokens ---------------------------------------------------------------------------
_TOKEN = re.compile(
    rf"""(?P<ws>\s+)
      |(?P<num>(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)
      |(?P<name>{NAME.pattern})
      |(?P<str>'[^'\\\n]*'|"[^"\\\n]*")
      |(?P<op>\*\*|//|==|!=|<=|>=|[-+*/%()<>\[\],])""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # num, name, str, op, end
    text: str
    col: int


def tokenize(src: str) -> list[Tok]:
    if len(src) > MAX_SOURCE:
        raise ExprError(f"expression longer than {MAX_SOURCE} characters")
    out: list[Tok] = []
    pos = 0
    while pos < len(src):
        m = _TOKEN.match(src, pos)
        if m is None:
            raise ExprError(f"unexpected character {src[pos]!r}", pos)
        kind = m.lastgroup or ""
        if kind != "ws":
            if kind == "name" and m.group() in ("true", "false", "True", "False"):
                kind = "bool"
            out.append(Tok(kind, m.group(), pos))
            if len(out) > MAX_TOKENS:
                raise ExprError(f"expression has more than {MAX_TOKENS} tokens", pos)
        pos = m.end()
    out.append(Tok("end", "", len(src)))
    return out


# ---- syntax tree ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Node:
    op: str  # const var list call index neg pos not and or ifelse cmp, or a binary operator
    args: tuple[Node, ...] = ()
    value: Value | None = None  # const value, var/call name, or the operators of a cmp chain
    col: int = 0


_CMP = ("==", "!=", "<", "<=", ">", ">=")


class _Parser:
    def __init__(self, toks: list[Tok]) -> None:
        self.toks = toks
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self, text: str | None = None, kind: str | None = None) -> Tok | None:
        t = self.tok
        if (text is not None and t.text == text and t.kind in ("op", "name")) or (
            kind is not None and t.kind == kind
        ):
            self.i += 1
            return t
        return None

    def expect(self, text: str) -> Tok:
        t = self.take(text)
        if t is None:
            raise ExprError(f"expected {text!r}, found {self._what()}", self.tok.col)
        return t

    def _what(self) -> str:
        return "the end" if self.tok.kind == "end" else repr(self.tok.text)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError(f"expression nested deeper than {MAX_DEPTH} levels", self.tok.col)

    def parse(self) -> Node:
        node = self.ternary()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected {self._what()}", self.tok.col)
        return node

    def ternary(self) -> Node:
        self.enter()
        node = self.or_()
        t = self.take("if")
        if t is not None:
            cond = self.or_()
            self.expect("else")
            node = Node("ifelse", (cond, node, self.ternary()), col=t.col)
        self.depth -= 1
        return node

    def or_(self) -> Node:
        node = self.and_()
        while (t := self.take("or")) is not None:
            node = Node("or", (node, self.and_()), col=t.col)
        return node

    def and_(self) -> Node:
        node = self.not_()
        while (t := self.take("and")) is not None:
            node = Node("and", (node, self.not_()), col=t.col)
        return node

    def not_(self) -> Node:
        t = self.take("not")
        if t is not None:
            self.enter()
            node = Node("not", (self.not_(),), col=t.col)
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        first = self.arith()
        ops: list[str] = []
        operands = [first]
        while self.tok.kind == "op" and self.tok.text in _CMP:
            ops.append(self.tok.text)
            self.i += 1
            operands.append(self.arith())
        if not ops:
            return first
        return Node("cmp", tuple(operands), value=" ".join(ops), col=first.col)

    def arith(self) -> Node:
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            t = self.tok
            self.i += 1
            node = Node(t.text, (node, self.term()), col=t.col)
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in ("*", "/", "//", "%"):
            t = self.tok
            self.i += 1
            node = Node(t.text, (node, self.unary()), col=t.col)
        return node

    def unary(self) -> Node:
        t = self.tok
        if t.kind == "op" and t.text in ("-", "+"):
            self.i += 1
            self.enter()
            node = Node("neg" if t.text == "-" else "pos", (self.unary(),), col=t.col)
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> Node:
        base = self.postfix()
        t = self.take("**")
        if t is not None:
            self.enter()
            node = Node("**", (base, self.unary()), col=t.col)  # right-assoc, binds -x on its right
            self.depth -= 1
            return node
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while True:
            t = self.tok
            if t.kind == "op" and t.text == "(":
                if node.op != "var":
                    raise ExprError("only named functions can be called", t.col)
                self.i += 1
                self.enter()
                args = self.items(")")
                self.depth -= 1
                node = Node("call", tuple(args), value=node.value, col=node.col)
            elif t.kind == "op" and t.text == "[":
                self.i += 1
                self.enter()
                index = self.ternary()
                self.expect("]")
                self.depth -= 1
                node = Node("index", (node, index), col=t.col)
            else:
                return node

    def items(self, close: str) -> list[Node]:
        out: list[Node] = []
        while self.take(close) is None:
            out.append(self.ternary())
            if self.take(",") is None:
                self.expect(close)
                break
        return out

    def atom(self) -> Node:
        t = self.tok
        self.i += 1
        if t.kind == "num":
            text = t.text.replace("_", "")
            if "." in text or "e" in text or "E" in text:  # 0.75, 600e6: floats, as Python's
                f = float(text)
                if not math.isfinite(f):
                    raise ExprError("number too large", t.col)
                value: Value = f
            else:
                value = _checked(int(text), t.col)
            return Node("const", value=value, col=t.col)
        if t.kind == "bool":
            return Node("const", value=t.text in ("true", "True"), col=t.col)
        if t.kind == "str":
            return Node("const", value=t.text[1:-1], col=t.col)
        if t.kind == "name":
            if t.text in RESERVED:
                raise ExprError(f"unexpected {t.text!r}", t.col)
            return Node("var", value=t.text, col=t.col)
        if t.kind == "op" and t.text == "(":
            self.enter()
            node = self.ternary()
            self.expect(")")
            self.depth -= 1
            return node
        if t.kind == "op" and t.text == "[":
            self.enter()
            node = Node("list", tuple(self.items("]")), col=t.col)
            self.depth -= 1
            return node
        self.i -= 1
        raise ExprError(
            f"unexpected {self._what()}" if t.kind != "end" else "unexpected end of expression",
            t.col,
        )


@lru_cache(maxsize=4096)
def parse(src: str) -> Node:
    """Source text -> syntax tree (cached: a block's expressions are parsed once)."""
    return _Parser(tokenize(src)).parse()


# ---- evaluation -----------------------------------------------------------------------
def _checked(v: int, col: int) -> int:
    if v.bit_length() > MAX_BITS:
        raise ExprError(f"number too large (more than {MAX_BITS} bits)", col)
    return v


Number = int | float


def _num(v: Value, col: int, what: str = "a number") -> Number:
    if isinstance(v, (int, float)):  # bool is an int, as in Python
        return v
    raise ExprError(f"expected {what}, got {kind(v)} {show(v)}", col)


def _int(v: Value, col: int, what: str = "an integer") -> int:
    if isinstance(v, int):
        return v
    raise ExprError(f"expected {what}, got {kind(v)} {show(v)}", col)


def _result(v: Value, col: int) -> Value:
    """A scalar or string result checked against the bounds (lists are checked as built)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return _checked(v, col)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise ExprError("number too large", col)
        return v
    if isinstance(v, str) and len(v) > MAX_ITEMS:
        raise ExprError(f"a string longer than {MAX_ITEMS:,}", col)
    return v


def _too_large(what: str, col: int, limit: int = MAX_ITEMS) -> ExprError:
    hint = f"a value holds at most {limit:,} items, counted through nested lists"
    return ExprError(f"{what} of more than {limit:,} items", col, hint)


# id(list) -> (the list, kept so that the id stays its own; its content; its height). One
# evaluation's cache: a list built by `*` or `+` is known without walking it again.
Sizes = dict[int, tuple[object, int, int]]
_SCALARS = frozenset({int, float, bool})


def size(v: object, col: int = 0, limit: int = MAX_ITEMS) -> int:
    """A value's size: a string's length; a list's items with every nested list's items (an
    empty list and a scalar count 1), a list shared by reference counted at each place it
    appears (as `==`, `repr` and copies walk it). Raises ExprError past `limit` or MAX_DEPTH
    levels of lists, having walked at most about MAX_DEPTH * limit items: a shared list is
    walked once. Mappings (YAML data) count their values."""
    if isinstance(v, str):
        return len(v)
    if not isinstance(v, (list, dict)):
        return 1
    return _measure(v, {}, col, limit)[0]


def _measure(
    v: list[object] | dict[object, object], sizes: Sizes, col: int, limit: int = MAX_ITEMS
) -> tuple[int, int]:
    """(content, height) of a list or mapping: see size."""
    hit = sizes.get(id(v))
    if hit is not None:
        return hit[1], hit[2]
    items = v.values() if isinstance(v, dict) else v
    if set(map(type, items)) <= _SCALARS:  # flat numbers, at C speed
        total, height = len(v), 1
    else:
        total = height = 0
        for x in items:
            if isinstance(x, (list, dict)):
                n, h = _measure(x, sizes, col, limit)
                n, height = max(1, n), max(height, h)
            else:
                n = max(1, len(x)) if isinstance(x, str) else 1
            total += n
            if total > limit:
                raise _too_large("a list", col, limit)
        height += 1
    if total > limit:
        raise _too_large("a list", col, limit)
    if height > MAX_DEPTH:
        raise ExprError(
            f"a list nested deeper than {MAX_DEPTH} levels", col, "flatten it: nest fewer lists"
        )
    sizes[id(v)] = (v, total, height)
    return total, height


def _made(v: list[Value], total: int, height: int, sizes: Sizes, col: int) -> list[Value]:
    """A list just built, whose content and height were computed before building it."""
    if height > MAX_DEPTH:
        raise ExprError(
            f"a list nested deeper than {MAX_DEPTH} levels", col, "flatten it: nest fewer lists"
        )
    sizes[id(v)] = (v, total, height)
    return v


def _new_list(items: list[Value], sizes: Sizes, col: int) -> list[Value]:
    """`[a, b, …]`: its content is its items' (each list's known or measured once)."""
    total = height = 0
    for x in items:
        if isinstance(x, list):
            n, h = _measure(x, sizes, col)  # type: ignore[arg-type]
            n, height = max(1, n), max(height, h)
        else:
            n = max(1, len(x)) if isinstance(x, str) else 1
        total += n
        if total > MAX_ITEMS:
            raise _too_large("a list", col)
    return _made(items, total, height + 1, sizes, col)


def value_of(v: object) -> Value:
    """A value from outside the language (YAML, a block argument) checked in place, never
    copied: nothing changes a value once made. ValueError for a mapping or null (not values),
    ExprError when it is larger than any value the language builds."""
    if type(v) in (int, float, bool):  # the common case first
        return cast(Value, v)
    if isinstance(v, list):
        size(v)  # first: it bounds the walk below
        stack: list[list[object]] = [v]
        seen: set[int] = set()
        while stack:  # shared lists once
            for x in stack.pop():
                if isinstance(x, list):
                    if id(x) not in seen:
                        seen.add(id(x))
                        stack.append(x)
                elif x is None or not isinstance(x, (int, float, str)):
                    raise ValueError
        return cast(Value, v)
    if v is None or not isinstance(v, (int, float, str)):
        raise ValueError
    if isinstance(v, str) and len(v) > MAX_ITEMS:
        raise ExprError(f"a string longer than {MAX_ITEMS:,}")
    return v


def kind(v: Value) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a number"
    return "a string" if isinstance(v, str) else "a list"


def show(v: Value, limit: int = 80) -> str:
    """A value as the spec author would write it, cut to `limit` characters with "…" (only
    what is shown is built)."""
    return brief(v, limit, spec=True)


def make_divisible(v: Number, divisor: int, min_value: int | None = None) -> int:
    """torchvision's _make_divisible, float arithmetic included: round to the nearest
    multiple of `divisor`, never more than 10% below v (MobileNet's channel rounding)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


FUNCTIONS = ("abs", "ceil", "floor", "int", "len", "make_divisible", "max", "min", "round", "str")


def suggest(word: str, choices: Sequence[str]) -> str:
    return _suggest(word, tuple(choices))


@lru_cache(maxsize=256)  # a bad name in a block repeated 10,000 times is looked up once
def _suggest(word: str, choices: tuple[str, ...]) -> str:
    import difflib

    close = difflib.get_close_matches(word, choices, n=2, cutoff=0.6)
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def _call(name: str, args: list[Value], col: int) -> Value:
    n = len(args)

    def arity(lo: int, hi: int) -> None:
        if not lo <= n <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ExprError(f"{name}() takes {want} argument(s), got {n}", col)

    if name in ("min", "max"):  # min(a, b, …) or min(list), as Python's
        items = args[0] if n == 1 and isinstance(args[0], list) else args
        if not items:
            raise ExprError(f"{name}() of nothing", col)
        nums = [_num(a, col) for a in items]
        return min(nums) if name == "min" else max(nums)
    if name in ("abs", "floor", "ceil", "round", "int"):
        arity(1, 1)
        x = _num(args[0], col)
        if name == "abs":
            return -x if x < 0 else +x
        if isinstance(x, float) and not math.isfinite(x):
            raise ExprError(f"{name}() of {x}", col)
        if name == "floor":
            return math.floor(x)
        if name == "ceil":
            return math.ceil(x)
        return round(x) if name == "round" else int(x)
    if name == "make_divisible":
        arity(2, 3)
        divisor = _int(args[1], col, "an integer divisor")
        if divisor < 1:
            raise ExprError("make_divisible's divisor must be positive", col)
        low = _int(args[2], col, "an integer min_value") if n == 3 else None
        return make_divisible(_num(args[0], col), divisor, low)
    if name == "str":
        arity(1, 1)
        arg = args[0]
        if isinstance(arg, list):
            raise ExprError("str() takes a number, a boolean or a string, not a list", col)
        return str(arg)
    if name == "len":
        arity(1, 1)
        seq = args[0]
        if not isinstance(seq, (str, list)):
            raise ExprError(f"len() takes a string or a list, got {kind(seq)}", col)
        return len(seq)
    hint = suggest(name, list(FUNCTIONS))
    raise ExprError(f"unknown function {name!r}" + (f"; {hint}" if hint else ""), col)


def _compare(op: str, a: Value, b: Value, col: int) -> bool:
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        x: Number | str = a
        y: Number | str = b
    elif isinstance(a, str) and isinstance(b, str):
        x, y = a, b
    elif isinstance(a, list) and isinstance(b, list):  # element by element, as Python
        try:
            return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        except TypeError:
            raise ExprError(f"cannot compare the lists {show(a)} and {show(b)}", col) from None
    else:
        raise ExprError(f"cannot compare {kind(a)} with {kind(b)} using {op}", col)
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]  # type: ignore[operator]


def _binary(op: str, a: Value, b: Value, col: int, sizes: Sizes) -> Value:
    if op == "+":  # sizes bound before building
        if isinstance(a, str) and isinstance(b, str):
            if len(a) + len(b) > MAX_ITEMS:
                raise ExprError(f"a string longer than {MAX_ITEMS:,}", col)
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            (m, g), (n, h) = _measure(a, sizes, col), _measure(b, sizes, col)  # type: ignore[arg-type]
            if m + n > MAX_ITEMS:
                raise _too_large("a list", col)
            return _made(a + b, m + n, max(g, h), sizes, col)
        return _num(a, col) + _num(b, col)
    if op == "*" and isinstance(a, (str, list, int)) and isinstance(b, (str, list, int)):
        seq, k = (a, b) if isinstance(a, (str, list)) else (b, a)
        if isinstance(seq, str) and isinstance(k, int):  # 'ab' * 3, as Python
            if len(seq) * max(k, 0) > MAX_ITEMS:  # bound before building it
                raise ExprError(f"a string longer than {MAX_ITEMS:,}", col)
            return seq * k if seq and k > 0 else ""  # '' * 10**70: empty, no overflow
        if isinstance(seq, list) and isinstance(k, int):  # [0] * 3
            n, h = _measure(seq, sizes, col)  # type: ignore[arg-type]
            if n * max(k, 0) > MAX_ITEMS:
                raise _too_large("a list", col)
            made = seq * k if seq and k > 0 else []
            return _made(made, n * max(k, 0), h, sizes, col)
    x, y = _num(a, col), _num(b, col)
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op in ("/", "//", "%") and y == 0:
        raise ExprError("division by zero", col)
    if op == "/":
        return x / y
    if op == "//":
        return x // y
    if op == "%":
        return x % y
    assert op == "**"
    if isinstance(x, int) and isinstance(y, int) and y > 0:
        if (abs(x).bit_length() - 1) * y > MAX_BITS:  # bound before computing, not after
            raise ExprError(f"number too large (more than {MAX_BITS} bits)", col)
        return int(x**y)
    if x == 0 and y < 0:
        raise ExprError("zero to a negative power", col)
    try:
        r = x**y
    except OverflowError:
        raise ExprError("number too large", col) from None
    if isinstance(r, complex):
        raise ExprError("a negative number to a fractional power", col)
    return r


def evaluate(node: Node, env: Mapping[str, Value], sizes: Sizes | None = None) -> Value:
    if sizes is None:
        sizes = {}
    op, args, col = node.op, node.args, node.col
    if op == "const":
        assert node.value is not None
        return node.value
    if op == "var":
        name = str(node.value)
        if name not in env:
            hint = suggest(name, list(env))
            raise ExprError(f"unknown name {name!r}" + (f"; {hint}" if hint else ""), col)
        return env[name]
    if op == "and":
        a = evaluate(args[0], env, sizes)
        return evaluate(args[1], env, sizes) if a else a
    if op == "or":
        a = evaluate(args[0], env, sizes)
        return a if a else evaluate(args[1], env, sizes)
    if op == "not":
        return not evaluate(args[0], env, sizes)
    if op == "ifelse":
        return (
            evaluate(args[1], env, sizes)
            if evaluate(args[0], env, sizes)
            else evaluate(args[2], env, sizes)
        )
    if op == "cmp":
        ops = str(node.value).split()
        left = evaluate(args[0], env, sizes)
        for o, sub in zip(ops, args[1:], strict=True):
            right = evaluate(sub, env, sizes)
            if not _compare(o, left, right, sub.col):
                return False
            left = right
        return True
    if op == "list":
        return _new_list([evaluate(a, env, sizes) for a in args], sizes, col)
    if op == "call":
        return _result(_call(str(node.value), [evaluate(a, env, sizes) for a in args], col), col)
    if op == "index":
        seq = evaluate(args[0], env, sizes)
        i = _int(evaluate(args[1], env, sizes), args[1].col, "an integer index")
        if not isinstance(seq, (list, str)):
            raise ExprError(f"cannot index {kind(seq)}", col)
        if not -len(seq) <= i < len(seq):
            raise ExprError(f"index {i} is outside {show(seq)}", args[1].col)
        return seq[i]
    if op == "neg":
        return _result(-_num(evaluate(args[0], env, sizes), col), col)
    if op == "pos":
        return _result(+_num(evaluate(args[0], env, sizes), col), col)
    a, b = evaluate(args[0], env, sizes), evaluate(args[1], env, sizes)
    return _result(_binary(op, a, b, col, sizes), col)


def eval_text(src: str, env: Mapping[str, Value]) -> Value:
    """Parse and evaluate one expression."""
    return evaluate(parse(src), env)
