"""Python source for generated files: expressions are parsed and checked here, then laid out
line by line as `ruff format` lays them out, so generated files need no formatter.

Checked means: only numbers, booleans, None, validated literal strings (letters, digits, `_`,
`-`), the names a caller allows, and calls of allowed callables. Anything else in a layer's
lowering (a spec string that slipped through, a non-finite float) is refused here.

Layout follows ruff's (black's) rules for what codegen emits: a statement that fits stays on
one line; otherwise its last bracket splits, the contents on one indented line if they fit
(calls only), else one item per line with a trailing comma; a sole bracketed item breaks
itself instead; `+`/`*` chains break before each operator; call chains with three or more
`.name(...)`/`.name[...]` links break one link per line ("fluent" style).
"""

from __future__ import annotations

import ast
import math
import re
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass

SAFE_STRING = re.compile(r"[A-Za-z0-9_\-]*\Z")
INDENT = "    "
_OPS: dict[type[ast.operator], tuple[str, int]] = {ast.Add: ("+", 1), ast.Mult: ("*", 2)}
_ALLOWED = (
    ast.Expression, ast.Call, ast.keyword, ast.Attribute, ast.Name, ast.Constant, ast.Tuple,
    ast.List, ast.Dict, ast.BinOp, ast.UnaryOp, ast.Subscript, ast.Load, ast.Add, ast.Mult,
    ast.USub,
)  # fmt: skip


class UnsafeSource(ValueError):
    """A lowering produced source that is not a plain, allowed expression."""


def dotted(node: ast.expr) -> str | None:
    """'nn.Conv2d' for an attribute chain over a name; None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


# CPython 3.11's AST constructor keeps its recursion depth in shared state: two threads in
# ast.parse at once can fail with "AST constructor recursion depth mismatch".
_AST_LOCK = threading.Lock()


def ast_parse(text: str) -> ast.Module:
    """ast.parse of statements, safe to call from several threads."""
    with _AST_LOCK:
        return ast.parse(text)


def ast_parse_expr(text: str) -> ast.Expression:
    """ast.parse of one expression, safe to call from several threads."""
    with _AST_LOCK:
        return ast.parse(text, mode="eval")


def parse(text: str, names: Collection[str], callable_ok: Callable[[str], bool]) -> ast.expr:
    """Parse one expression and check every node: names must be in `names`, called functions
    must satisfy `callable_ok` (given their dotted name), constants must be plain."""
    try:
        tree = ast_parse_expr(text)
    except SyntaxError as err:
        raise UnsafeSource(f"not one Python expression: {text!r}") from err
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED):
            raise UnsafeSource(f"{type(node).__name__} is not allowed in generated code: {text!r}")
        if isinstance(node, ast.Name) and node.id not in names:
            raise UnsafeSource(f"unknown name {node.id!r} in {text!r}")
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name is None or not callable_ok(name):
                raise UnsafeSource(f"call of {ast.unparse(node.func)!r} is not allowed: {text!r}")
            if any(k.arg is None for k in node.keywords):
                raise UnsafeSource(f"**kwargs are not allowed: {text!r}")
        if isinstance(node, ast.Constant):
            constant(node.value)  # raises for anything but plain values
    return tree.body


def constant(value: object) -> str:
    """A constant as ruff writes it: double quotes, lower-case exponent without '+'."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise UnsafeSource(f"{value!r} is not a finite number")
        return repr(value).replace("e+", "e")
    if isinstance(value, str) and SAFE_STRING.match(value):
        return f'"{value}"'
    raise UnsafeSource(f"constant {value!r} is not allowed in generated code")


# ---- flat rendering -------------------------------------------------------------------------
def flat(node: ast.expr) -> str:
    if isinstance(node, ast.Constant):
        return constant(node.value)
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{flat(node.value)}.{node.attr}"
    if isinstance(node, ast.Subscript):
        return f"{flat(node.value)}[{flat(node.slice)}]"
    if isinstance(node, ast.Call):
        return f"{flat(node.func)}({', '.join(_items(node))})"
    if isinstance(node, ast.Tuple):
        inner = ", ".join(flat(e) for e in node.elts)
        return f"({inner},)" if len(node.elts) == 1 else f"({inner})"
    if isinstance(node, ast.List):
        return f"[{', '.join(flat(e) for e in node.elts)}]"
    if isinstance(node, ast.Dict):
        return "{" + ", ".join(f"{flat(k)}: {flat(v)}" for k, v in _pairs(node)) + "}"
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return f"-{flat(node.operand)}"
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        text, prec = _OPS[type(node.op)]
        left, right = flat(node.left), flat(node.right)
        if _prec(node.left) < prec:
            left = f"({left})"
        if _prec(node.right) <= prec:
            right = f"({right})"
        return f"{left} {text} {right}"
    raise UnsafeSource(f"cannot render {type(node).__name__}")


def _prec(node: ast.expr) -> int:
    return _OPS[type(node.op)][1] if isinstance(node, ast.BinOp) and type(node.op) in _OPS else 9


def _pairs(node: ast.Dict) -> list[tuple[ast.expr, ast.expr]]:
    if any(k is None for k in node.keys):
        raise UnsafeSource("** in a dict is not allowed")
    return [(k, v) for k, v in zip(node.keys, node.values, strict=True) if k is not None]


def _items(node: ast.Call) -> list[str]:
    return [flat(a) for a in node.args] + [f"{k.arg}={flat(k.value)}" for k in node.keywords]


# ---- layout ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Item:
    """One element inside brackets: its text before the value ('k=', '"key": ') and value."""

    lead: str
    value: ast.expr


def _bracket(node: ast.expr) -> tuple[str, list[_Item], str, bool] | None:
    """(opening text, items, closing text, is a collection literal) for a node that splits at
    its last bracket; None for one that cannot split."""
    if isinstance(node, ast.Call):
        items = [_Item("", a) for a in node.args] + [
            _Item(f"{k.arg}=", k.value) for k in node.keywords
        ]
        return f"{flat(node.func)}(", items, ")", False
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call):
        opening, items, closing, _ = _bracket(node.value) or ("", [], "", False)
        return opening, items, f"{closing}[{flat(node.slice)}]", False
    if isinstance(node, ast.List):
        return "[", [_Item("", e) for e in node.elts], "]", True
    if isinstance(node, ast.Tuple) and len(node.elts) != 1:
        return "(", [_Item("", e) for e in node.elts], ")", True
    if isinstance(node, ast.Dict):
        return "{", [_Item(f"{flat(k)}: ", v) for k, v in _pairs(node)], "}", True
    return None


def layout(node: ast.expr, lead: str, trail: str, indent: str, width: int) -> list[str]:
    """Lines for `node` written after `lead` (which holds the indentation) and before `trail`."""
    one = f"{lead}{flat(node)}{trail}"
    if len(one) <= width:
        return [one]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return [f"{lead}(", *_operands(node, indent + INDENT, width), f"{indent}){trail}"]
    split = _bracket(node)
    if split is None or not split[1]:
        return [one]
    opening, items, closing, collection = split
    return _brackets(f"{lead}{opening}", items, f"{closing}{trail}", collection, indent, width)


def _brackets(
    head: str, items: list[_Item], tail: str, collection: bool, indent: str, width: int
) -> list[str]:
    """`head` (ending in an opening bracket), the items, then `tail` at `indent`."""
    inner = indent + INDENT
    closing = f"{indent}{tail}"
    if len(items) == 1:
        item = items[0]
        if isinstance(item.value, ast.BinOp) and type(item.value.op) in _OPS and not item.lead:
            return [head, *_operands(item.value, inner, width), closing]
        return [head, *layout(item.value, inner + item.lead, "", inner, width), closing]
    if not collection:
        body = inner + ", ".join(i.lead + flat(i.value) for i in items)
        if len(body) <= width:
            return [head, body, closing]
    lines = [head]
    for item in items:
        lines += layout(item.value, inner + item.lead, ",", inner, width)
    return [*lines, closing]


def _chain(node: ast.BinOp, op: type[ast.operator]) -> list[ast.expr]:
    """Operands of a left-associated chain of one operator."""
    out: list[ast.expr] = []
    while isinstance(node, ast.BinOp) and type(node.op) is op:
        out.insert(0, node.right)
        node = node.left  # type: ignore[assignment]
    return [node, *out]


def _operands(node: ast.BinOp, indent: str, width: int) -> list[str]:
    """A `+`/`*` chain at `indent`: on one line if it fits, else broken before each operator."""
    if len(indent) + len(flat(node)) <= width:
        return [f"{indent}{flat(node)}"]
    text = _OPS[type(node.op)][0]
    first, *rest = _chain(node, type(node.op))
    return [f"{indent}{flat(first)}", *(f"{indent}{text} {flat(p)}" for p in rest)]


def _links(node: ast.Call) -> tuple[str, list[str], str] | None:
    """A call chain as ruff's fluent style breaks it: the first line, one line per further
    `.name…` link, and the head of the final call (its arguments laid out by the caller); None
    when fewer than three links are called or subscripted."""
    ops: list[ast.expr] = []
    base: ast.expr = node.func
    while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
        ops.insert(0, base)
        base = base.func if isinstance(base, ast.Call) else base.value
    if not isinstance(base, ast.Name):
        return None
    pieces: list[list[str]] = [[base.id]]  # each link starts at an attribute
    for op in ops:
        if isinstance(op, ast.Attribute):
            pieces.append([f".{op.attr}"])
        elif isinstance(op, ast.Subscript):
            pieces[-1].append(f"[{flat(op.slice)}]")
        else:
            assert isinstance(op, ast.Call)
            pieces[-1].append(f"({', '.join(_items(op))})")
    pieces[-1].append("(")  # the final call itself
    called = [i for i, p in enumerate(pieces) if i and len(p) > 1]
    if len(called) < 3:
        return None
    first = "".join("".join(p) for p in pieces[: called[0] + 1])
    links: list[str] = []
    pending = ""
    for p in pieces[called[0] + 1 :]:
        if len(p) == 1:
            pending += p[0]  # a plain `.name` joins the next link
        else:
            links.append(pending + "".join(p))
            pending = ""
    return first, links[:-1], links[-1]


def _last_subscript(node: ast.expr) -> ast.Subscript | None:
    """The last subscript of an attribute chain (`a.b["k"].c` -> `a.b["k"]`)."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node if isinstance(node, ast.Subscript) else None


def statement(target: str, node: ast.expr, indent: str, width: int) -> list[str]:
    """`target = node`, or `return node` when target is 'return', laid out."""
    ret = target == "return"
    lead = f"{indent}return " if ret else f"{indent}{target} = "
    inner = indent + INDENT
    if ret and isinstance(node, ast.Tuple) and len(node.elts) > 1:
        one = lead + ", ".join(flat(e) for e in node.elts)
        if len(one) <= width:
            return [one]
        return [
            f"{lead}(",
            *[ln for e in node.elts for ln in layout(e, inner, ",", inner, width)],
            f"{indent})",
        ]
    one = f"{lead}{flat(node)}"
    if len(one) <= width:
        return [one]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return [f"{lead}(", *_operands(node, inner, width), f"{indent})"]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call):
        head = f"{lead}{flat(node.value)}["  # ruff splits the subscript when its head fits
        if len(head) <= width:
            return [head, f"{inner}{flat(node.slice)}", f"{indent}]"]
    links = _links(node) if isinstance(node, ast.Call) else None
    if links is not None and isinstance(node, ast.Call):
        if len(inner) + len(flat(node)) <= width:  # the chain on one line, in parentheses
            return [f"{lead}(", f"{inner}{flat(node)}", f"{indent})"]
        first, middle, last = links
        lines = [f"{lead}(", f"{inner}{first}", *(f"{inner}{m}" for m in middle)]
        call = ast.Call(
            func=ast.Name(id="", ctx=ast.Load()), args=node.args, keywords=node.keywords
        )
        tail = layout(call, f"{inner}{last[:-1]}", "", inner, width)
        return [*lines, *tail, f"{indent})"]
    if isinstance(node, ast.Call) and len(f"{lead}{flat(node.func)}(") > width:
        # the call's head does not fit after the target: ruff splits an earlier subscript
        # where its head and what follows it fit (black's omitted trailers), or else puts
        # the call in parentheses
        sub = _last_subscript(node.func)
        if sub is not None:
            head, rest = f"{lead}{flat(sub.value)}[", flat(node)[len(flat(sub)) :]
            body = f"{inner}{flat(sub.slice)}"
            if max(len(head), len(body), len(indent) + 1 + len(rest)) <= width:
                return [head, body, f"{indent}]{rest}"]
        return [f"{lead}(", *layout(node, inner, "", inner, width), f"{indent})"]
    return layout(node, lead, "", indent, width)
