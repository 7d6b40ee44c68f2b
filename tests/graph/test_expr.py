"""The block expression language against Python itself: it is a subset of Python's
expression syntax with Python's number semantics, so Python's evaluator is the authority
for every random expression (value, type, and whether it is refused at all)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.spec import expr
from cnncalc.spec.expr import ExprError, eval_text

ENV = {"a": 7, "b": -3, "c": 0, "w": 0.75, "t": True, "s": "relu", "xs": [1, 2, 3]}


def numbers(fn: Callable[..., object]) -> Callable[..., object]:
    """The language's functions take numbers only (documented), where Python's also take text."""

    def checked(*args: object) -> object:
        if not all(isinstance(a, (int, float)) for a in args):
            raise TypeError("numbers only")
        return fn(*args)

    return checked


def make_divisible(v: object, divisor: object) -> object:
    if not isinstance(divisor, int) or divisor < 1:  # documented: a positive integer divisor
        raise ValueError("divisor")
    return numbers(expr.make_divisible)(v, divisor)


def python(text: str) -> object:
    """The reference: Python evaluates the same text, with the same names and functions."""
    funcs = {
        "min": numbers(min),
        "max": numbers(max),
        "abs": abs,
        "floor": math.floor,
        "ceil": math.ceil,
        "round": round,
        "int": numbers(int),
        "str": str,
        "len": len,
        "make_divisible": make_divisible,
        "true": True,
        "false": False,
    }
    return eval(text, {"__builtins__": {}}, {**funcs, **ENV})  # the test's authority


def outcome(fn: object, text: str) -> tuple[str, object]:
    try:
        v = fn(text)  # type: ignore[operator]
    except ExprError:
        return ("refused", None)
    except (ArithmeticError, TypeError, ValueError, SyntaxError, IndexError, NameError):
        return ("refused", None)
    return (type(v).__name__, v)


# Random expression texts built from Python's grammar pieces, without forcing parentheses,
# so precedence and associativity are exercised, and some texts are not valid at all.
ATOMS = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "3",
        "10",
        "255",
        "0.5",
        "1.5",
        "2.0",
        "a",
        "b",
        "c",
        "w",
        "t",
        "True",
        "false",
        "xs",
        "s",
        "'re' + 'lu'",
    ]
)
BINARY = st.sampled_from(
    ["+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or"]
)


def _grow(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, BINARY, children).map(" ".join),
        children.map(lambda x: f"({x})"),
        children.map(lambda x: f"-{x}"),
        children.map(lambda x: f"not {x}"),
        st.tuples(children, st.sampled_from(["0", "1", "2", "3"])).map(
            lambda p: f"{p[0]} ** {p[1]}"
        ),
        st.tuples(children, children, children).map(lambda p: f"{p[0]} if {p[1]} else {p[2]}"),
        st.tuples(st.sampled_from(["min", "max"]), children, children).map(
            lambda p: f"{p[0]}({p[1]}, {p[2]})"
        ),
        st.tuples(st.sampled_from(["abs", "floor", "ceil", "round", "int"]), children).map(
            lambda p: f"{p[0]}({p[1]})"
        ),
        st.tuples(children, children).map(lambda p: f"make_divisible({p[0]}, {p[1]})"),
        children.map(lambda x: f"xs[{x}]"),
    )


EXPRESSIONS = st.recursive(ATOMS, _grow, max_leaves=12)


@pytest.mark.parametrize("text", ["1e3", "6E8 + 1", "1.5e-3 * 2", ".5e1", "1_0e2", "2e0 == 2"])
def test_exponents_are_pythons(text: str) -> None:
    """Floats with an exponent (`--where 'macs <= 600e6'`) read as Python reads them."""
    ours = eval_text(text, ENV)
    assert ours == python(text) and type(ours) is type(python(text))


@settings(max_examples=600, deadline=None)
@given(EXPRESSIONS)
def test_agrees_with_python(text: str) -> None:
    ours = outcome(lambda t: eval_text(t, ENV), text)
    ref = outcome(python, text)
    if ref[0] in ("int", "float") and isinstance(ref[1], (int, float)):
        too_big = isinstance(ref[1], int) and ref[1].bit_length() > expr.MAX_BITS
        if too_big or (isinstance(ref[1], float) and not math.isfinite(ref[1])):
            assert ours[0] == "refused"  # our bound: Python computes it, we decline
            return
    if ref[0] == "refused" and ours[0] != "refused":
        # Python also refuses a few things we accept on purpose: none in this grammar
        pytest.fail(f"{text!r}: Python refuses, cnncalc gives {ours[1]!r}")
    assert ours == ref, text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2 if i == 0 else 1", 2),
        ("-2 ** 2", -4),
        ("2 ** 3 ** 2", 512),
        ("1 < 2 < 3", True),
        ("3 > 2 > 2", False),
        ("not 1 == 2", True),
        ("7 // -2", -4),
        ("-7 % 3", 2),
        ("make_divisible(720 * 0.35, 8)", 248),  # torchvision's float result, not 256
        ("make_divisible(32 * 0.75, 8)", 24),
        ("make_divisible(72 // 4, 8)", 24),  # MobileNetV3's SE squeeze for 72 channels
        ("make_divisible(3, 8)", 8),
        ("make_divisible(10, 8, 1)", 16),  # 8 would be more than 10% below 10
        ("'denselayer' + str(i + 1)", "denselayer1"),
        ("[16, 24, 32][i - 1]", 32),
        ("max([3, 9, 4])", 9),
        ("round(2.5)", 2),
        ("len('abc') + len([1])", 4),
        ("1_000 * 2", 2000),
        ("\"a\" == 'a'", True),
    ],
)
def test_values(text: str, value: object) -> None:
    assert eval_text(text, {"i": 0}) == value
    assert type(eval_text(text, {"i": 0})) is type(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 +", "unexpected end"),
        ("(1", "expected ')'"),
        ("foo(1)", "unknown function 'foo'"),
        ("mx(1, 2)", "did you mean 'max'"),
        ("planes * 2", "unknown name 'planes'"),
        ("1 / 0", "division by zero"),
        ("'a' < 1", "cannot compare"),
        ("'a' - 1", "expected a number"),
        ("10 ** 1000", "too large"),
        ("2 ** 255 * 2 ** 255", "too large"),
        ("1e", "unexpected"),  # an exponent needs its digits
        ("1e999", "too large"),
        ("a.b", "unexpected character"),
        ("__import__('os')", "unknown function"),
        ("(lambda: 1)()", "unexpected"),
        ("[1, 2][5]", "outside"),
        ("make_divisible(10, 0)", "positive"),
        ("min()", "of nothing"),
        ("x if y", "expected 'else'"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(ExprError, match=message.replace("(", r"\(").replace(")", r"\)")):
        eval_text(text, {"a": 1})


def test_bounds_are_checked_before_work() -> None:
    with pytest.raises(ExprError, match="longer than"):
        expr.parse("1 + " * 300 + "1")
    with pytest.raises(ExprError, match="more than 400 tokens"):
        expr.parse("+".join(["1"] * 250))
    with pytest.raises(ExprError, match="nested deeper"):
        expr.parse("(" * 50 + "1" + ")" * 50)
    with pytest.raises(ExprError, match="nested deeper"):
        expr.parse("-" * 60 + "1")
    with pytest.raises(ExprError, match="too large"):
        eval_text("(2 ** 200) ** 200", {})


def test_error_columns_point_into_the_text() -> None:
    with pytest.raises(ExprError) as err:
        eval_text("a * (b + zz)", {"a": 1, "b": 2})
    assert err.value.col == "a * (b + zz)".index("zz")


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4096),
    st.sampled_from([0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4, 2.0]),
    st.sampled_from([4, 8, 16]),
)
def test_make_divisible_is_torchvisions(c: int, width: float, divisor: int) -> None:
    """Brute force against torchvision's _make_divisible (float arithmetic, as written there)."""

    def torchvision(v: float, d: int) -> int:
        new_v = max(d, int(v + d / 2) // d * d)
        return new_v + d if new_v < 0.9 * v else new_v

    assert eval_text(f"make_divisible({c} * {width}, {divisor})", {}) == torchvision(
        c * width, divisor
    )


def test_messages_show_values_cut_without_building_them() -> None:
    """`show` (and errors.brief) stop at the characters shown: a list shared 10^12 times over,
    a 16 MB string and a 20,000-bit integer cost no more than a short list."""
    import time
    import tracemalloc

    from cnncalc.errors import brief

    shared = [[[0] * 10_000] * 10_000] * 10_000
    long = "x" * 16_000_000
    tracemalloc.start()
    start = time.perf_counter()
    texts = [
        expr.show(shared),
        brief(shared),
        brief(long),
        brief(1 << 20_000),
        brief({"a": [True, None, (1,)]}),
        expr.show([True, None, 0.5, "s"]),  # type: ignore[list-item]
    ]
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert seconds < 0.5 and peak < 1 << 20, (seconds, peak)
    assert texts[0] == "[[[" + ", ".join(["0"] * 26) + "…"
    assert len(texts[0]) == 80 and texts[1] == texts[0]
    assert texts[2] == "'" + "x" * 78 + "…"
    assert texts[3] == "<an integer of 20,001 bits>"
    assert texts[4] == "{'a': [True, None, (1,)]}"
    assert texts[5] == "[true, null, 0.5, 's']"
    with pytest.raises(ExprError) as err:  # an error message about the largest allowed list
        eval_text("xs + 1", {"xs": [[7] * 100] * 100})
    shown = err.value.message.removeprefix("expected a number, got a list ")
    assert len(shown) == 80 and shown.startswith("[[7, 7, ") and shown.endswith("7,…"), shown


@pytest.mark.parametrize(
    ("field", "hint"),
    [
        # the expression that divides: rewritten with //
        ("out_channels: $c / 2", "/ always gives a float; $c // 2 divides to an integer"),
        ("out_channels: $(c + 2) / 2 / 1", "$(c + 2) // 2 // 1 divides to an integer"),
        ("kernel_size: [1, $c / 16]", "$c // 16 divides to an integer"),
        # a let that divides: named, with where it is
        ("out_channels: $half", "let half = $c / 2 at t.yaml:6:17 gives the float 16.0"),
    ],
)
def test_a_float_where_an_integer_belongs_says_where_it_was_computed(field: str, hint: str) -> None:
    from cnncalc.api import SpecError, loads

    key = field.split(":")[0]
    other = "kernel_size: 1" if key == "out_channels" else "out_channels: 4"
    text = (
        "name: t\ninput: {channels: 3, height: 8, width: 8}\nblocks:\n  b:\n    args: {c: 32}\n"
        "    let: {half: $c / 2}\n    layers:\n"
        f"      - {{type: conv2d, {other}, {field}}}\n"
        "layers:\n  - {type: b}\n"
    )
    with pytest.raises(SpecError) as err:
        loads(text, "t.yaml")
    [problem] = err.value.problems
    assert problem.message.startswith(f"{key}: must be a positive integer, got "), problem
    assert "(a float)" in problem.message and hint in problem.hint, problem
    # located at the field's value, the `$…` that gave the float
    assert problem.pos.line == 8 and text.splitlines()[7][problem.pos.col - 1] == "$", problem
