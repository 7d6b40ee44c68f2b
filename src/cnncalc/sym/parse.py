"""Reading rendered Dims back: a small tokenizer and recursive-descent parser, never eval.
Why not spec/expr.py: its values are Python's (floats, true `/`) and its bounds a block's (1,000
characters, 40 levels); rendered Dims are exact, up to 10,000 characters and 200 levels, ⌊⌋, ².

    expr   := term (('+' | '-') term)*
    term   := factor (('*' | '//' | '%') factor)*
    factor := ('-' | '+')* primary ('**' INT | superscript)?
    primary := INT | NAME | '(' expr ')' | max(expr, expr) | min(expr, expr)
            | floor(term '/' factor) | ceil(term '/' factor) | ⌊term '/' factor⌋ | ⌈…⌉
Unicode '·' and '−' read as '*' and '-'. Input size, nesting and the size of products are
bounded so hostile text fails fast with ValueError.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .expr import NAME, RESERVED, Dim, Expr, Symbol, ceildiv, dmax, dmin, floordiv
from .poly import degree

MAX_LEN = 10_000
MAX_DEPTH = 200
MAX_EXPONENT = 64
MAX_DEGREE = 64
MAX_TERMS = 2_000
MAX_BITS = 1 << 17

_TOKEN = re.compile(
    rf"\s*(?:(?P<int>[0-9]+)|(?P<name>{NAME.pattern})"
    r"|(?P<op>\*\*|//|[-+*/%(),·−⌊⌋⌈⌉])|(?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹]+))"
)
_SUPERSCRIPT = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_CLOSE = {"⌊": "⌋", "⌈": "⌉"}


def parse(text: str, symbols: Mapping[str, Dim] | None = None) -> Dim:
    """The Dim that render(d, ascii=True) (or the unicode form) wrote. Names come from
    `symbols` (a name missing there is an error) or, without it, become Symbol(name)."""
    if len(text) > MAX_LEN:
        raise ValueError(f"expression longer than {MAX_LEN} characters")
    p = _Parser(_tokens(text), symbols)
    try:
        d = p.expr()
    except (ZeroDivisionError, TypeError) as e:
        raise ValueError(f"bad expression {text!r}: {e}") from None
    if p.peek() is not None:
        raise ValueError(f"unexpected {p.peek()!r} in {text!r}")
    return d


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.lastgroup is None:
            raise ValueError(f"unexpected character {text[pos:].lstrip()[:1]!r} at {pos}")
        kind, tok = m.lastgroup, m.group(m.lastgroup)
        out.append((kind, {"·": "*", "−": "-"}.get(tok, tok)))
        pos = m.end()
    return out


def _guard_mul(a: Dim, b: Dim) -> None:
    """Refuse products whose size would explode (coefficients, terms, degree)."""
    ta = (((), a),) if isinstance(a, int) else a.terms
    tb = (((), b),) if isinstance(b, int) else b.terms
    bits = max(abs(c).bit_length() for _, c in ta) + max(abs(c).bit_length() for _, c in tb)
    if bits > MAX_BITS or len(ta) * len(tb) > MAX_TERMS or degree(ta) + degree(tb) > MAX_DEGREE:
        raise ValueError("expression too large")


class _Parser:
    """Three frames per bracket level (expr, term, factor); nesting is checked up front."""

    def __init__(self, toks: list[tuple[str, str]], symbols: Mapping[str, Dim] | None) -> None:
        depth = 0
        for _, tok in toks:
            depth += (tok in ("(", "⌊", "⌈")) - (tok in (")", "⌋", "⌉"))
            if depth > MAX_DEPTH:
                raise ValueError(f"expression nested deeper than {MAX_DEPTH}")
        self.toks, self.i, self.symbols = toks, 0, symbols
        self.made: dict[str, Expr] = {}

    def peek(self, kind: bool = False) -> str | None:
        return self.toks[self.i][not kind] if self.i < len(self.toks) else None

    def take(self) -> str:
        if self.i >= len(self.toks):
            raise ValueError("unexpected end of expression")
        self.i += 1
        return self.toks[self.i - 1][1]

    def expect(self, tok: str) -> None:
        got = self.take()
        if got != tok:
            raise ValueError(f"expected {tok!r}, got {got!r}")

    def expr(self) -> Dim:
        d = self.term()
        while self.peek() in ("+", "-"):
            op, rhs = self.take(), self.term()
            d = d + rhs if op == "+" else d - rhs
        return d

    def term(self) -> Dim:
        d = self.factor()
        while self.peek() in ("*", "//", "%"):
            op, rhs = self.take(), self.factor()
            if op == "*":
                _guard_mul(d, rhs)
                d = d * rhs
            else:
                d = d // rhs if op == "//" else d % rhs
        return d

    def factor(self) -> Dim:
        sign = 1
        while self.peek() in ("-", "+"):
            sign = -sign if self.take() == "-" else sign
        kind, tok = self.peek(kind=True), self.take()
        # the primary is inlined to keep to three frames per bracket level
        d: Dim
        if kind == "int":
            d = int(tok)
        elif tok in _CLOSE:
            d = self.division(tok == "⌈")
            self.expect(_CLOSE[tok])
        elif tok == "(":
            d = self.expr()
            self.expect(")")
        elif kind != "name":
            raise ValueError(f"unexpected {tok!r}")
        elif tok not in RESERVED:
            d = self.symbol(tok)
        else:
            self.expect("(")
            if tok in ("floor", "ceil"):
                d = self.division(tok == "ceil")
            else:
                a = self.expr()
                self.expect(",")
                d = dmax(a, self.expr()) if tok == "max" else dmin(a, self.expr())
            self.expect(")")
        if self.peek() == "**" or self.peek(kind=True) == "sup":
            d = self.power(d)
        return -d if sign < 0 else d

    def power(self, base: Dim) -> Dim:
        if self.take() == "**":
            if self.peek(kind=True) != "int":
                raise ValueError("exponent must be a non-negative integer")
            n = int(self.take())
        else:
            n = int(self.toks[self.i - 1][1].translate(_SUPERSCRIPT))
        if n > MAX_EXPONENT:
            raise ValueError(f"exponent {n} above {MAX_EXPONENT}")
        d: Dim = 1
        for _ in range(n):
            _guard_mul(d, base)
            d = d * base
        return d

    def division(self, ceil: bool) -> Dim:
        num = self.term()
        self.expect("/")
        den = self.factor()
        if not isinstance(den, int):
            raise ValueError("floor and ceil divide by an integer only")
        return ceildiv(num, den) if ceil else floordiv(num, den)

    def symbol(self, name: str) -> Dim:
        if self.symbols is not None:
            if name not in self.symbols:
                raise ValueError(f"unknown symbol {name!r}")
            return self.symbols[name]
        if name not in self.made:
            self.made[name] = Symbol(name)
        return self.made[name]
