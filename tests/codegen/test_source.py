"""The layout engine against ruff itself: random statements of the kinds codegen writes
(constructor calls, nested containers, merges, long call chains) must come out exactly as
`ruff format` would write them, at two line lengths."""

from __future__ import annotations

import ast
import subprocess

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnncalc.codegen import source
from tests.codegen.kit import RUFF, needs_ruff

NAMES = st.text("abcdefghij_", min_size=1, max_size=30).map(lambda s: "v" + s)
ATTRS = st.text("abcxyz_", min_size=1, max_size=14).map(lambda s: "a" + s)


def name(n: str) -> ast.expr:
    return ast.Name(id=n, ctx=ast.Load())


@st.composite
def accessor(draw: st.DrawFn) -> ast.expr:
    """self.a[0].b["3"].c, as codegen reaches nested modules."""
    node: ast.expr = name("self")
    for _ in range(draw(st.integers(1, 5))):
        node = ast.Attribute(value=node, attr=draw(ATTRS), ctx=ast.Load())
        for _ in range(draw(st.integers(0, 2))):
            key = draw(
                st.one_of(
                    st.integers(0, 12).map(ast.Constant),
                    st.integers(0, 9).map(lambda i: ast.Constant(str(i))),
                )
            )
            node = ast.Subscript(value=node, slice=key, ctx=ast.Load())
    return node


def leaves() -> st.SearchStrategy[ast.expr]:
    return st.one_of(
        st.integers(-3, 5000).map(
            lambda i: ast.Constant(i) if i >= 0 else ast.UnaryOp(ast.USub(), ast.Constant(-i))
        ),
        st.sampled_from([1e-05, 0.1, 1.7159, 2 / 3, 1e20]).map(ast.Constant),
        st.sampled_from([True, False, None, "same", "bilinear"]).map(ast.Constant),
        NAMES.map(name),
    )


def exprs() -> st.SearchStrategy[ast.expr]:
    def extend(inner: st.SearchStrategy[ast.expr]) -> st.SearchStrategy[ast.expr]:
        call = st.builds(
            lambda f, args, kws: ast.Call(
                func=f, args=args, keywords=[ast.keyword(arg=k, value=v) for k, v in kws]
            ),
            st.sampled_from(["nn.Conv2d", "nn.Sequential", "TableConv", "torch.cat"]).map(
                lambda d: ast.parse(d, mode="eval").body
            ),
            st.lists(inner, max_size=5),
            st.lists(st.tuples(ATTRS, inner), max_size=4, unique_by=lambda kv: kv[0]),
        )
        return st.one_of(
            call,
            st.lists(inner, min_size=2, max_size=6).map(
                lambda e: ast.Tuple(elts=e, ctx=ast.Load())
            ),
            st.lists(inner, max_size=5).map(lambda e: ast.List(elts=e, ctx=ast.Load())),
            st.lists(
                st.tuples(st.text("abc", min_size=1, max_size=12), inner),
                max_size=4,
                unique_by=lambda kv: kv[0],
            ).map(
                lambda kv: ast.Dict(
                    keys=[ast.Constant(k) for k, _ in kv], values=[v for _, v in kv]
                )
            ),
        )

    return st.recursive(leaves(), extend, max_leaves=25)


def merges() -> st.SearchStrategy[ast.expr]:
    def chain(names: list[str], op: ast.operator) -> ast.expr:
        node = name(names[0])
        for n in names[1:]:
            node = ast.BinOp(left=node, op=op, right=name(n))
        return node

    return st.builds(
        chain, st.lists(NAMES, min_size=2, max_size=6), st.sampled_from([ast.Add(), ast.Mult()])
    )


def statements() -> st.SearchStrategy[tuple[str, ast.expr]]:
    target = st.one_of(NAMES, ATTRS.map(lambda a: "self." + a), st.just("return"))
    module_call = st.builds(
        lambda f, a: ast.Call(func=f, args=[a], keywords=[]),
        accessor(),
        st.one_of(NAMES.map(name), merges()),
    )
    piece = st.builds(  # torch.chunk(x, 2, dim=1)[0]: only ever a whole right-hand side
        lambda c, i: ast.Subscript(value=c, slice=ast.Constant(i), ctx=ast.Load()),
        exprs().filter(lambda e: isinstance(e, ast.Call)),
        st.integers(0, 3),
    )
    return st.tuples(target, st.one_of(exprs(), merges(), module_call, piece))


@needs_ruff
@pytest.mark.parametrize("width", [88, 100])
@settings(max_examples=25, deadline=None)
@given(body=st.lists(statements(), min_size=1, max_size=40))
def test_layout_is_ruffs(width: int, body: list[tuple[str, ast.expr]]) -> None:
    lines = ["class A:", "    def f(self):"]
    for target, node in body:
        if isinstance(node, ast.Call):  # codegen keeps names short enough for the head to fit
            assume(len(f"        {target} = {source.flat(node.func)}(") <= width)
        lines += source.statement(target, node, "        ", width)
    code = "\n".join(lines) + "\n"
    assert RUFF is not None
    out = subprocess.run(
        [RUFF, "format", "--isolated", "--line-length", str(width), "-"],
        input=code,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out == code
