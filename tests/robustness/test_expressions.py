"""Block expressions that cost nothing to write and everything to walk: `[[0] * 10000] * 10000`
is one list shared 10,000 times, 10^8 items to `==`, `repr`, a copy or a validator. Each case
runs in a child process under a time limit (a hang fails the test instead of hanging it), and
the child measures its own time and peak memory (tracemalloc) while cnncalc loads the spec."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cnncalc.spec import expr

SECONDS = 5.0  # per case, measured in the child (about 0.01 s when all is well)
PEAK_MB = 64.0  # allocated while loading (about 1 MB when all is well)
CHILD = textwrap.dedent(
    """
    import json, sys, time, tracemalloc
    from cnncalc.api import SpecError, analyze, load
    tracemalloc.start()
    start = time.perf_counter()
    try:
        analyze(load(sys.argv[1]))
        messages = []
    except SpecError as err:
        messages = [p.format() for p in err.problems]
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "messages": messages}))
    """
)
BIG = "[[[0] * 10000] * 10000] * 10000"  # 10^12 items, built in microseconds


def spec(let: str = "", layer: str = "", use: str = "") -> str:
    """A block `b` with the given let and extra keys on its layer, used once (with `use`)."""
    return textwrap.dedent(
        f"""\
        name: t
        input: {{channels: 3, height: 8, width: 8}}
        blocks:
          b:
            args: {{xs: 0}}
            let: {{{let}}}
            layers:
              - {{type: relu{layer}}}
        layers:
          - {{type: b{use}}}
        """
    )


CASES = {
    # built: refused as it is built, at the operator that crosses the limit
    "build": (spec(let=f'big: "${BIG}"'), "a list of more than 10,000 items"),
    # an unused let was copied item by item (0.85 GB in 20 s)
    "unused let": (spec(let=f'big: "${BIG}", small: 1'), "a list of more than 10,000 items"),
    # an error message repr'd it (1.2 GB)
    "message": (spec(layer=f', if: "${BIG}"'), "a list of more than 10,000 items"),
    "message of a number": (spec(layer=f', if: "$({BIG})[0] + 1"'), "more than 10,000"),
    # == walked it (~850 s)
    "==": (spec(layer=f', if: "${BIG} == {BIG}"'), "more than 10,000"),
    "str()": (spec(layer=f', if: "$str({BIG}) == 1"'), "more than 10,000"),
    "len()": (spec(layer=f', if: "$len({BIG}) > 0"'), "more than 10,000"),
    "max()": (spec(layer=', if: "$max([[0] * 10000] * 10000) > 0"'), "more than 10,000"),
    "in": (spec(layer=', if: "$0 in [[0] * 10000] * 10000"'), "unexpected 'in'"),
    "sorted": (spec(layer=', if: "$sorted([0] * 10000) == 0"'), "unknown function 'sorted'"),
    "range": (spec(layer=', if: "$range(10 ** 12) == 0"'), "unknown function 'range'"),
    "string times big": (spec(layer=""", if: "$'x' * 10 ** 9 == ''" """), "a string longer"),
    "strings shared": (spec(layer=""", if: "$['x' * 10000] * 10000 == []" """), "more than"),
    "power": (spec(layer=', if: "$2 ** 2 ** 100 == 0"'), "number too large"),
    # a block argument: a YAML list of 1,000 computed lists of 10,000 items each (10^7; it
    # was copied item by item); a field's value holds at most 200,000 items (as a document)
    "argument": (
        spec(use=", xs: [" + ", ".join(['"$[[0] * 100] * 100"'] * 1000) + "]"),
        "t.yaml:10:19: E111 xs: a list of more than 200,000 items",
    ),
    # and an argument, as every value of the language, at most 10,000
    "argument of 150,000": (
        spec(use=", xs: [" + ", ".join(['"$[0] * 10000"'] * 15) + "]"),
        "t.yaml:10:19: E110 argument 'xs': a list of more than 10,000 items",
    ),
    # a layer field made of computed lists: 30 lists of 10,000 (300,000 > 200,000)
    "field": (
        spec(layer=", kernel_size: [" + ", ".join(['"$[1] * 10000"'] * 30) + "]"),
        "kernel_size: a list of more than 200,000 items",
    ),
}


def run_child(path: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{path.name}: no answer within 60 s")
    assert proc.returncode == 0, proc.stderr[-3000:]
    result: dict[str, object] = json.loads(proc.stdout)
    return result


@pytest.mark.parametrize("case", list(CASES))
def test_huge_shared_values_are_refused_in_bounded_time_and_memory(
    tmp_path: Path, case: str
) -> None:
    text, needle = CASES[case]
    path = tmp_path / "t.yaml"
    path.write_text(text)
    got = run_child(path)
    messages = got["messages"]
    assert isinstance(messages, list) and len(messages) == 1, messages
    [msg] = messages
    assert needle in msg and len(msg) < 400, msg
    assert got["seconds"] < SECONDS, got  # type: ignore[operator]
    assert got["peak_mb"] < PEAK_MB, got  # type: ignore[operator]


def test_the_unused_let_message_names_the_let(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(CASES["unused let"][0])
    [msg] = run_child(path)["messages"]  # type: ignore[misc]
    assert "t.yaml:6:16: E111 layer 'b_1': $" in msg, msg
    # the second `*` (10^8 items) is where it crosses the limit
    assert "column 17: a list of more than 10,000 items" in msg, msg


def test_deeply_nested_values_are_refused(tmp_path: Path) -> None:
    """Each let one list deeper than the one before: 2,000 levels would exhaust recursion in
    whatever walks the value (a validator, repr, ==). Values nest at most 40 deep."""
    lets = ", ".join(["a0: 1", *(f'a{k}: "$[a{k - 1}]"' for k in range(1, 2000))])
    path = tmp_path / "t.yaml"
    path.write_text(spec(let=lets, layer=', if: "$a1999 == a1999"'))
    got = run_child(path)
    [msg] = got["messages"]  # type: ignore[misc]
    assert "$[a40], column 2: a list nested deeper than 40 levels" in msg, msg
    assert got["seconds"] < SECONDS, got  # type: ignore[operator]


def test_the_largest_values_still_work() -> None:
    """The limit is the whole size: 10,000 items, in one list or through nested ones."""
    env: dict[str, expr.Value] = {}
    assert expr.eval_text("len([0] * 10000)", env) == 10_000
    assert expr.eval_text("len([[0] * 100] * 100)", env) == 100
    assert expr.eval_text("len('x' * 10000)", env) == 10_000
    assert expr.eval_text("len(([[0] * 50] * 100) + [[1] * 50] * 100)", env) == 200
    assert expr.eval_text("[[]] * 10000 == [[]] * 10000", env) is True
    assert expr.eval_text("[] * 10 ** 70", env) == []  # empty, whatever the count
    for text in ("[[0] * 100] * 101", "[0] * 10000 + [0]", "[[0] * 5001, [0] * 5000]"):
        with pytest.raises(expr.ExprError, match="more than 10,000 items"):
            expr.eval_text(text, env)
