"""The identities the simplifier must know, and how results print."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cnncalc.sym import (
    Dim,
    Expr,
    Symbol,
    bounds,
    ceildiv,
    dmax,
    dmin,
    evaluate,
    floordiv,
    free_symbols,
    parse,
    render,
)

H, W, C = Symbol("H"), Symbol("W"), Symbol("C")


def conv(x: Dim, k: int, s: int = 1, p: int = 0, d: int = 1) -> Dim:
    return (x + 2 * p - d * (k - 1) - 1) // s + 1


def resnet50_stem(x: Dim) -> Dim:
    x = conv(x, 7, 2, 3)  # conv1
    x = conv(x, 3, 2, 1)  # maxpool
    for _ in range(3):  # layer2..4 downsampling: 3×3 stride 2 (or 1×1 stride 2 shortcut)
        x = conv(x, 3, 2, 1)
    return x


def test_resnet50_chain_is_ceil_h_over_32() -> None:
    assert render(resnet50_stem(H)) == "⌈H/32⌉"
    assert render(resnet50_stem(H), ascii=True) == "ceil(H/32)"
    shortcut = conv(conv(conv(conv(conv(H, 7, 2, 3), 3, 2, 1), 1, 2), 1, 2), 1, 2)
    assert shortcut == resnet50_stem(H) == ceildiv(H, 32)
    assert bounds(resnet50_stem(H)) == (1, None)
    assert bounds(resnet50_stem(Symbol("H", 32, 4096))) == (1, 128)
    assert resnet50_stem(224) == 7 and evaluate(resnet50_stem(H), {"H": 224}) == 7


def test_vgg_chain_is_floor_h_over_32() -> None:
    assert render(H // 2 // 2 // 2 // 2 // 2) == "⌊H/32⌋"
    assert render(floordiv(floordiv(H, 4), 8), ascii=True) == "floor(H/32)"


def test_floor_identities() -> None:
    assert (H - 1) // 2 + 1 == ceildiv(H, 2) == -((-H) // 2)
    assert render((H - 1) // 2 + 1) == "⌈H/2⌉"
    assert (H + 4) // 3 - 4 == (H + 4 - 12) // 3  # constants fold in and out
    assert render((H + 4) // 3 - 4) == "⌊(H + 1)/3⌋ - 3"
    assert render((H + 5) // 3 - 4) == "⌈H/3⌉ - 3"
    assert ceildiv(ceildiv(H, 3), 5) == ceildiv(H, 15)
    assert (6 * H + 7) // 3 == 2 * H + 2  # divisible terms come out, ⌊1/3⌋ = 0
    assert (6 * H * W + 4) // 3 == 2 * H * W + 1
    assert ceildiv(H, 2) == (2 * H + 2) // 4  # common factor with the divisor
    assert H // 1 == H and H // -1 == -H
    assert -ceildiv(H, 2) == (-H) // 2
    assert -ceildiv(H, 2) == H // -2


def test_constants_collapse_to_int() -> None:
    assert H - H == 0 and isinstance(H - H, int)
    assert 0 * H == 0 and isinstance(0 * H, int)
    assert (H + 3) - H == 3 and isinstance((H + 3) - H, int)
    assert (2 * H + 1) % 2 == 1 and isinstance((2 * H + 1) % 2, int)
    assert H * W // (H * W) == 1
    assert (3 * H * W + 6 * H) // (3 * H) == W + 2
    assert (H + W) // (H + W) == 1
    assert (2 * H + 2 * W) // (H + W) == 2
    assert isinstance(5, int) and not isinstance(H, int)


def test_bounds_decide() -> None:
    small = Symbol("H", 1, 31)
    assert small // 32 == 0  # every allowed H is below 32
    assert dmax(H - 1, 0) == H - 1  # H ≥ 1
    assert dmin(H, 0) == 0
    assert dmax(W, H) == dmax(H, W)  # canonical argument order
    assert render(dmax(H - 3, 0)) == "max(0, H - 3)"
    assert render(dmin(H, W), ascii=True) == "min(H, W)"
    assert dmax(3, 5) == 5 and dmin(3, 5) == 3
    assert dmax(H + 1, H) == H + 1 and dmax(H, H + 1) == H + 1  # decided at a gap of 1
    assert dmin(H + 1, H) == H and dmin(H, H + 1) == H
    bit = Symbol("L", 0, 1)
    assert dmax(bit, 0) == bit and dmin(bit, 1) == bit and dmax(bit, 1) == 1
    # TF SAME padding total for k=3, s=2: 2·⌈W/2⌉ + 1 − W is 1 or 2, so max(…, 0) vanishes
    total = dmax((ceildiv(W, 2) - 1) * 2 + 2 + 1 - W, 0)
    assert bounds(total) == (1, 2) and isinstance(total, Expr)
    assert bounds(Symbol("L", 2, 9) * 3 - 1) == (5, 26)
    assert bounds(H - W) == (None, None)
    assert bounds(H * W - 1) == (0, None)


def test_bounds_exact_for_one_symbol() -> None:
    h = Symbol("H", 7, 100)
    assert bounds(conv(h, 7, 2)) == (1, 47)
    assert bounds(2 * ceildiv(h, 2) - h) == (0, 1)  # not monotone, still exact (periodic)
    assert bounds(h % 5) == (0, 4)
    assert bounds(-ceildiv(h, 4) + 3) == (-22, 1)
    assert bounds((h - 10) * (h - 10)) == (0, 8100)  # short range: every value
    lo, hi = bounds((Symbol("H", 7) - 10) ** 2)  # unbounded: interval arithmetic, sound
    assert hi is None and (lo is None or lo <= 0)


def test_bounds_of_even_powers_straddling_zero() -> None:
    h, w = Symbol("H", 1, 10), Symbol("W", 1, 10)
    m = dmin(h - 5, w - 5)  # an atom with values in [-4, 5]
    assert bounds(m) == (-4, 5)
    lo, hi = bounds(m * m)
    assert lo is not None and hi is not None and lo <= 0 and hi >= 25
    values = [evaluate(m * m * m, {"H": a, "W": b}) for a in range(1, 11) for b in range(1, 11)]
    lo, hi = bounds(m * m * m)
    assert lo is not None and hi is not None and lo <= min(values) and max(values) <= hi


def test_repeated_rescaling_stays_small_and_fast() -> None:
    # ⌊(3·y + W)/2⌋ = y + ⌊(y + W)/2⌋ copies y twice; done 60 times that would be 2⁶⁰ atoms
    y: Dim = H
    v = 5
    h = Symbol("H", 1, 400)
    z: Dim = h
    u = 5
    for _ in range(60):
        y, v = (3 * y + W) // 2, (3 * v + 7) // 2
        z, u = (5 * z + 1) // 3 + 2, (5 * u + 1) // 3 + 2
    assert evaluate(y, {"H": 5, "W": 7}) == v and len(render(y)) < 20_000
    assert evaluate(z, {"H": 5}) == u and bounds(z)[0] == evaluate(z, {"H": 1})
    nested = parse("floor((" * 99 + "H" + "*3 + 1)/2)" * 99, {"H": h})
    assert bounds(nested)[0] is not None


def test_render_goldens() -> None:
    assert render(H * W * 64) == "64·H·W"
    assert render(64 * W * H, ascii=True) == "64*H*W"
    assert render(C * H * W) == "C·H·W"
    macs = 64 * ceildiv(H, 2) * ceildiv(W, 2) * 3 * 7 * 7
    assert render(macs) == "9408·⌈H/2⌉·⌈W/2⌉"
    assert render(macs, ascii=True) == "9408*ceil(H/2)*ceil(W/2)"
    assert render((H + 1) * (H + 1)) == "H² + 2·H + 1"
    assert render((H + 1) * (H + 1), ascii=True) == "H**2 + 2*H + 1"
    assert render(5 - H) == "-H + 5"
    assert render((H - 1) * 2 - 2 + 2 + 1 + 1) == "2·H"  # transposed conv k=3 s=2 p=1 op=1
    assert render(3 * H * H * W + 2 * W - 7 + H * W * W) == "3·H²·W + H·W² + 2·W - 7"
    assert render(H // 2 - 1) == "⌊H/2⌋ - 1"
    assert render((H + W) // 4) == "⌊(H + W)/4⌋"
    assert render(3 * H // 4) == "⌊3·H/4⌋"
    assert render(2 * ((H + 2) // 3)) == "2·⌈H/3⌉"
    assert render(0) == "0" and render(-12) == "-12"
    assert str(H + 1) == "H + 1" and repr(H + 1) == "Expr('H + 1')"


def test_expr_behaves_like_a_value() -> None:
    assert H + 1 == 1 + H and hash(H + 1) == hash(1 + H)
    assert H + 1 != H + 2 and Symbol("H", 2) != H  # bounds are part of a symbol
    assert len({H * W, W * H, H * W + 0}) == 1
    assert H**2 == H * H and H**0 == 1
    assert free_symbols(H * W + (C // 2)) == {"H", "W", "C"}
    assert free_symbols(7) == frozenset()
    with pytest.raises(TypeError):
        _ = 12 // H
    with pytest.raises(TypeError):
        _ = H // (H + 1)
    with pytest.raises(TypeError):
        _ = H % W
    with pytest.raises(TypeError):
        _ = (3 * H * W + H) // (2 * H)  # ⌊(3·W + 1)/2⌋ is not a polynomial quotient
    with pytest.raises(TypeError):
        _ = (H * W + 1) // H
    with pytest.raises(TypeError):
        _ = max(0, H)  # type: ignore[call-overload]  # use dmax
    with pytest.raises(ZeroDivisionError):
        _ = H // 0
    assert (H + 4) % 4 == H % 4 and 9 % 4 == 1


def test_evaluate_checks_bounds_and_names() -> None:
    h = Symbol("H", 2, 8)
    assert evaluate(h * 3 + 1, {"H": 8}) == 25
    with pytest.raises(ValueError):
        evaluate(h, {"H": 9})
    with pytest.raises(KeyError):
        evaluate(h + W, {"H": 3})
    assert evaluate(4, {}) == 4


@pytest.mark.parametrize(
    "name, lo, hi",
    [("1H", 1, None), ("H W", 1, None), ("max", 1, None), ("H", -1, None), ("H", 5, 4)],
)
def test_symbol_validates(name: str, lo: int, hi: int | None) -> None:
    with pytest.raises(ValueError):
        Symbol(name, lo, hi)


def test_parse_reads_both_renderings() -> None:
    e = 2048 * resnet50_stem(H) * resnet50_stem(W) + dmax(H - 3, 0) - H * W % 7
    syms = {"H": H, "W": W}
    assert parse(render(e, ascii=True), syms) == e
    assert parse(render(e), syms) == e
    assert parse("floor((H - 1)/2) + 1") == ceildiv(H, 2)
    assert parse("  3 * H**2 - -W // 2 ") == 3 * H * H + ceildiv(W, 2)  # Python precedence
    assert parse("H²·W − 1") == H * H * W - 1
    assert parse("12 % 5 + min(2, 9)") == 4
    assert parse("⌈H/32⌉") == ceildiv(H, 32)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "H +",
        "(H",
        "H)",
        "floor(H)",
        "floor(H/W)",
        "ceil(H/0)",
        "H // 0",
        "H / 2",
        "12 // H",
        "H ** W",
        "H ** 65",
        "H ** -1",
        "max(H)",
        "__import__('os')",
        "H.x",
        "1e3",
        "floor",
        "H W",
        "x" * 10_001,
        "(" * 201 + "H" + ")" * 201,
        "floor(" * 201 + "H" + "/2)" * 201,
        "(H + W + C + 1)**64",
        "*".join(["(H + W + C + 7)"] * 40),
        "((9**64)**64)**64",
        "-" * 9_000 + "H",  # fine: unary minus chains are iterative (checked below)
    ],
)
def test_parse_rejects_bad_or_hostile_input(text: str) -> None:
    if text.startswith("---"):
        assert parse(text) == H
        return
    with pytest.raises(ValueError):
        parse(text)


def test_parse_nesting_limit_is_200() -> None:
    assert parse("(" * 200 + "H" + ")" * 200) == H
    assert parse("floor(" * 100 + "H" + "/2)" * 100) == floordiv(H, 2**100)
    assert parse("H", {"H": Symbol("H", 3, 4)}) == Symbol("H", 3, 4)
    with pytest.raises(ValueError):
        parse("H + Q", {"H": H})


def test_import_is_light() -> None:
    code = "import sys, cnncalc.sym; print(sorted({'sympy', 'numpy'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
