"""The CUDA generator's passes grow near-linearly with the network (issue 13: a concat of many
inputs, or many concats, grew quadratically) and give what the quadratic versions gave.

The quadratic versions are kept here as the reference: fusion restarting from the first step
after each absorption, first fit scanning every placed buffer, a regex search per input. With
them swapped back in, every zoo and coverage spec generates byte for byte the same files; on
synthetic steps the passes do ~8x the work for 8x the size (counted: lines run, characters
scanned by regular expressions; the reference: ~64x)."""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

import pytest
from cu_cases import COVERAGE, ZOO, report
from hypothesis import given, settings
from hypothesis import strategies as st

import cnncalc.codegen.cuda as cuda
import cnncalc.codegen.cuda.render as render
from cnncalc.codegen.cuda.fuse import _absorb, _target, fuse
from cnncalc.codegen.cuda.ir import Buf, Loop, Step, Where
from cnncalc.codegen.cuda.memory import ALIGN, plan
from cnncalc.errors import CnncalcError


# ---- the quadratic reference ----------------------------------------------------------------
def fuse_restarting(steps: list[Step], outputs: list[Buf]) -> list[Step]:
    steps = list(steps)
    pinned = {id(b) for b in outputs}
    changed = True
    while changed:
        changed = False
        readers: dict[int, int] = {}
        for s in steps:
            for b in s.inputs:
                readers[id(b)] = readers.get(id(b), 0) + 1
        producer = {id(s.out): k for k, s in enumerate(steps)}
        for k, p in enumerate(steps):
            if not (isinstance(p, Loop) and p.pointwise):
                continue
            target = _target(p, producer, readers, pinned, k)
            if target is None:
                continue
            src, main = target
            _absorb(steps[src], p, main)
            del steps[k]
            changed = True
            break
    return steps


def plan_scanning(steps: list[Step], outputs: list[Buf], where: Where) -> int:
    off = 0
    for b in outputs:
        b.where, b.offset = "output", off
        off += b.size
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    bufs: dict[int, Buf] = {}
    for k, s in enumerate(steps):
        for b in [s.out, *s.inputs]:
            if b.where in ("input", "output"):
                continue
            bufs[id(b)] = b
            first.setdefault(id(b), k)
            last[id(b)] = k
    placed: list[tuple[int, int, int, int]] = []
    top = 0
    for key in sorted(bufs, key=lambda i: (first[i], -bufs[i].size)):
        b = bufs[key]
        size = (b.size + ALIGN - 1) // ALIGN * ALIGN
        live = sorted((lo, hi) for lo, hi, f, lst in placed if f <= last[key] and first[key] <= lst)
        at = 0
        for lo, hi in live:
            if at + size <= lo:
                break
            at = max(at, hi)
        b.where, b.offset = where, at
        placed.append((at, at + size, first[key], last[key]))
        top = max(top, at + size)
    return top


def lambdas_searching(step: Step, text: str, base: Sequence[str]) -> list[str]:
    return [
        f"auto x{k} = [&](int j) {{ return {base[k]}[j]; }};"
        for k in range(len(step.inputs))
        if re.search(rf"\bx{k}\(", text) is not None
    ]


# ---- the same files ---------------------------------------------------------------------------
def _files(path: Path, mode: str) -> dict[str, str] | None:
    try:
        return cuda.generate(report(path), mode).files  # type: ignore[arg-type]
    except CnncalcError:
        return None  # (a zoo network too big for one fused kernel)


@pytest.mark.parametrize("path", sorted(ZOO.glob("*.yaml")) + COVERAGE, ids=lambda p: p.stem)
def test_the_files_are_those_of_the_quadratic_passes(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    modes = ("layered", "fused")
    now = {m: _files(path, m) for m in modes}
    monkeypatch.setattr(cuda, "fuse", fuse_restarting)
    monkeypatch.setattr(cuda, "plan", plan_scanning)
    monkeypatch.setattr(render, "_lambdas", lambdas_searching)
    assert now["layered"] is not None
    for m in modes:
        assert _files(path, m) == now[m], m


# ---- random step graphs ----------------------------------------------------------------------
def _graph(rng: random.Random, n: int, pointwise: float) -> tuple[list[Step], list[Buf]]:
    """n steps in execution order, each reading 1-3 earlier buffers; some pointwise (an
    activation, or an add whose first input is its main one), some outputs."""
    x = Buf("input", 4, "input")
    bufs = [x]
    steps: list[Step] = []
    for k in range(n):
        ins = [
            bufs[rng.randrange(max(0, len(bufs) - 6), len(bufs))] for _ in range(rng.randint(1, 3))
        ]
        out = Buf(f"b{k}", rng.choice([0, 1, 4, 7, 16, 33]))
        merge = ("+", ["i"] * len(ins)) if len(ins) > 1 else None
        body = ["v = x0(i);"]
        steps.append(
            Loop(f"k{k}", f"L{k}", out, ins, out.size, epilogue=[f"v = f{k}(v);"], body=body,
                 pointwise=rng.random() < pointwise, merge=merge)
        )  # fmt: skip
        bufs.append(out)
    outputs = rng.sample(bufs[1:], k=min(2, n))
    return steps, outputs


def _shape(steps: list[Step], outputs: list[Buf]) -> list[tuple[object, ...]]:
    """What a fused step list is, by buffer names: enough to tell two results apart."""
    return [
        (s.name, s.label, s.out.name, [b.name for b in s.inputs], list(s.epilogue), s.pointwise)
        for s in steps
    ] + [("outputs", [b.name for b in outputs])]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60), st.sampled_from([0.3, 0.7, 1.0]))
def test_one_pass_fusion_is_the_restarting_one(seed: int, n: int, pointwise: float) -> None:
    a = _graph(random.Random(seed), n, pointwise)
    b = _graph(random.Random(seed), n, pointwise)
    assert _shape(fuse(*a), a[1]) == _shape(fuse_restarting(*b), b[1])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 80))
def test_the_free_list_is_first_fit(seed: int, n: int) -> None:
    a = _graph(random.Random(seed), n, 0.0)
    b = _graph(random.Random(seed), n, 0.0)
    assert plan(*a, "work") == plan_scanning(*b, "work")
    offsets = [(x.where, x.offset) for s in a[0] for x in (s.out, *s.inputs)]
    assert offsets == [(x.where, x.offset) for s in b[0] for x in (s.out, *s.inputs)]


# ---- near-linear --------------------------------------------------------------------------
Graph = tuple[list[Step], list[Buf]]


class _Scans:
    """Stands in for `re` and the compiled patterns in render.py: counts the characters each
    regex call is given (a regex search per input scanned the whole body each time)."""

    def __init__(self, real: object) -> None:
        self.real, self.chars = real, 0

    def __getattr__(self, name: str) -> object:
        attr = getattr(self.real, name)
        if not callable(attr) or name in ("compile", "escape"):
            return attr

        def counted(*args: object, **kwargs: object) -> object:
            self.chars += sum(len(a) for a in args if isinstance(a, str))
            return attr(*args, **kwargs)

        return counted


def _work(make: Callable[[int], Graph], n: int, run: Callable[[Graph], object]) -> int:
    """The pass's work on a graph of size n, counted, not timed: Python lines run plus the
    characters handed to regular expressions."""
    graph = make(n)  # fresh: the passes change the steps and buffers they are given
    lines = 0

    def local(frame: FrameType, event: str, arg: object) -> object:
        nonlocal lines
        lines += event == "line"
        return local

    def calls(frame: FrameType, event: str, arg: object) -> object:
        return local

    scans = [
        _Scans(render.re),
        *(_Scans(v) for v in vars(render).values() if isinstance(v, re.Pattern)),
    ]
    saved = dict(vars(render))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "re", scans[0])
        for k, v in saved.items():
            if isinstance(v, re.Pattern):
                mp.setattr(render, k, next(s for s in scans[1:] if s.real is v))
        sys.settrace(calls)
        try:
            run(graph)
        finally:
            sys.settrace(None)
    return lines + sum(s.chars for s in scans)


def _wide(n: int) -> Graph:
    """n convolutions of the input, every one live until one concat of all n."""
    x = Buf("input", 16, "input")
    convs = [
        Loop(f"c{k}", f"c{k}", Buf(f"c{k}", 16), [x], 16, body=["v = x0(i);"]) for k in range(n)
    ]
    body = [f"else if (o < {k + 1}) v = x{k}(i);" for k in range(n)]
    cat = Loop("cat", "cat", Buf("cat", 16 * n), [c.out for c in convs], 16 * n, body=body)
    return [*convs, cat], [cat.out]


def _dense(n: int) -> Graph:
    """DenseNet's pattern: a conv, its ReLU (pointwise), a concat with all before."""
    x = Buf("input", 16, "input")
    steps: list[Step] = []
    last = x
    for k in range(n):
        conv = Loop(f"c{k}", f"c{k}", Buf(f"c{k}", 16), [last], 16, body=["v = x0(i);"])
        relu = Loop(f"r{k}", f"r{k}", Buf(f"r{k}", 16), [conv.out], 16, body=["v = x0(i);"],
                    epilogue=["v = fmaxf(v, 0.0f);"], pointwise=True)  # fmt: skip
        cat = Loop(f"k{k}", f"k{k}", Buf(f"k{k}", 16), [last, relu.out], 16, body=["v = x0(i);"])
        steps += [conv, relu, cat]
        last = cat.out
    return steps, [last]


def _render_last(g: Graph) -> object:
    last = g[0][-1]
    assert isinstance(last, Loop)
    return render.loop_kernel(last)


PASSES: dict[str, tuple[Callable[[int], Graph], Callable[[Graph], object]]] = {
    "fuse, dense": (_dense, lambda g: fuse(*g)),
    "plan, wide": (_wide, lambda g: plan(*g, "work")),
    "plan, dense": (_dense, lambda g: plan(*g, "work")),
    "render, a concat of n inputs": (_wide, _render_last),
}


@pytest.mark.parametrize("name", PASSES)
def test_passes_are_near_linear(name: str) -> None:
    make, run = PASSES[name]
    n = 250
    ratio = _work(make, 8 * n, run) / _work(make, n, run)
    assert ratio < 12, f"{name}: {ratio:.1f}x the work for 8x the size (linear: 8, quadratic: 64)"
