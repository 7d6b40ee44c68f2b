"""Fusion: move each pointwise step (activation, BatchNorm, add, mul) into the step that
produces its input, when that input has no other reader and is not a network output.

A BatchNorm right after a convolution or linear layer (nothing in between) folds into its
weights and bias at load time; elsewhere it and the others become the producer's epilogue,
applied to each value before it is stored. add/mul join the input computed last, reading
the others (already computed) as they store: conv → BN → add(shortcut) → ReLU is one step."""

from __future__ import annotations

from .ir import Buf, Loop, Prep, Step


def fuse(steps: list[Step], outputs: list[Buf]) -> list[Step]:
    """One pass in execution order. Absorbing a step never makes an earlier one fusable (its
    target's inputs and their readers stay as they were), so this is the same as restarting
    from the first step after each absorption, without the quadratic cost of doing so.
    `producer` maps a buffer to its producer's place in `steps` (the order is what counts)."""
    pinned = {id(b) for b in outputs}
    readers: dict[int, int] = {}
    for s in steps:
        for b in s.inputs:
            readers[id(b)] = readers.get(id(b), 0) + 1
    producer = {id(s.out): k for k, s in enumerate(steps)}
    kept: list[Step] = []
    for k, p in enumerate(steps):
        target = None
        if isinstance(p, Loop) and p.pointwise:
            target = _target(p, producer, readers, pinned, k)
        if target is None or not isinstance(p, Loop):
            kept.append(p)
            continue
        src, main = target
        _absorb(steps[src], p, main)
        readers[id(p.inputs[main])] -= 1  # the others are read by steps[src] now
        producer[id(p.out)] = src
    return kept


def _target(
    p: Loop,
    producer: dict[int, int],
    readers: dict[int, int],
    pinned: set[int],
    k: int,
) -> tuple[int, int] | None:
    """(index of the step to absorb p, which input of p it produces), or None."""
    mains = [0] if p.merge is None else [j for j, e in enumerate(p.merge[1]) if e == "i"]
    best: tuple[int, int] | None = None
    for j in mains:
        b = p.inputs[j]
        src = producer.get(id(b))
        if src is None or src >= k or readers.get(id(b), 0) != 1 or id(b) in pinned:
            continue
        if p.inputs.count(b) > 1:
            continue  # x + x: both reads are the one value; keep it simple
        others = [o for t, o in enumerate(p.inputs) if t != j]
        if any(producer.get(id(o), -1) >= src for o in others):
            continue  # another input is not computed yet when the producer runs
        if best is None or src > best[0]:
            best = (src, j)
    return best


def _absorb(s: Step, p: Loop, main: int) -> None:
    s.prep.extend(p.prep)
    s.decls.extend(p.decls)
    if (
        p.affine is not None
        and s.foldable is not None
        and not s.epilogue
        and s.foldable.rows == p.affine[2]
    ):
        f = s.foldable
        scale, shift, _ = p.affine
        s.prep.append(Prep("fold", (f.weight, f.bias, f.rows, f.per_row, scale, shift)))
    else:
        if p.merge is not None:
            op, idx = p.merge
            for t, b in enumerate(p.inputs):
                if t != main:
                    s.epilogue.append(f"v = v {op} x{len(s.inputs)}({idx[t]});")
                    s.inputs.append(b)
            if isinstance(s, Loop):
                s.pointwise = False  # its epilogue now names its own inputs: it stays put
        s.epilogue.extend(p.epilogue)
        s.foldable = None  # a later BatchNorm applies after this epilogue
    s.out = p.out
    s.label = f"{s.label} + {p.label}" if p.label not in s.label else s.label
