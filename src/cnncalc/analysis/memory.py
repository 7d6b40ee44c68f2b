"""What autograd keeps for backward: one train-mode forward at batch N, in bytes.

Each layer declares the tensors it saves (`Layer.saved`: its input, its output or a tensor
of its own) and whether its output is its input's storage (`Layer.aliases`: a view, an
in-place op). This walk names every storage once, so a tensor two layers keep, or keep
through a view, is counted once; parameters and buffers are not counted (docs/memory.md).
No torch here: tests/torch/test_memory.py holds the figures to saved_tensors_hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnncalc.analysis.engine import Report
from cnncalc.errors import Problem, SpecError, UsageError
from cnncalc.layers.base import Layer, Saved, Shape, concrete, numel
from cnncalc.spec.network import INPUT

# bytes per element of the network's dtypes (those tests/torch/test_memory.py proves) and of
# the dtypes layers declare
DTYPES = {"float64": 8, "float32": 4, "bfloat16": 2}
BYTES = {**DTYPES, "int64": 8}


@dataclass(frozen=True, slots=True)
class Value:
    """A tensor a layer makes: its storage (a number, shared by views and in-place results),
    that storage's bytes, and whether autograd tracks it (requires grad)."""

    storage: int
    nbytes: int
    grad: bool
    contiguous: bool = True


@dataclass(frozen=True, slots=True)
class Memory:
    """Bytes autograd keeps for backward: in all, and by the layer that first keeps each."""

    batch: int
    dtype: str
    saved: int  # bytes of the unique storages kept for backward
    per_layer: dict[str, int]  # bytes of each storage, charged to the first layer keeping it


class _Walk:
    """One pass: storages numbered as they are made, each charged once."""

    def __init__(self, batch: int, dtype: str) -> None:
        self.batch, self.dtype = batch, dtype
        self.storages = 0
        self.counted: set[int] = set()
        self.per_layer: dict[str, int] = {}

    def nbytes(self, shape: Shape, dtype: str | None = None, batched: bool = True) -> int:
        full = (self.batch, *shape) if batched else shape
        if dtype == "accumulate":
            dtype = "float64" if self.dtype == "float64" else "float32"
        return concrete(numel(full), "a saved tensor's size") * BYTES[dtype or self.dtype]

    def new(self, nbytes: int, grad: bool, contiguous: bool = True) -> Value:
        self.storages += 1
        return Value(self.storages, nbytes, grad, contiguous)

    def step(
        self,
        name: str,
        layer: Layer,
        ins: Sequence[Value],
        shapes: Sequence[Shape],
        y: Shape,
        trains: bool,
    ) -> Value | None:
        """The layer's output; None where its kind declares nothing. Nothing is saved when
        no input is tracked and the layer trains nothing (no graph is built)."""
        saves = layer.saved(shapes, y)
        dense = layer.contiguous([v.contiguous for v in ins], y)
        if saves is None or dense is None:
            return None
        grad = trains or any(v.grad for v in ins)
        alias = layer.aliases()
        out = (
            Value(ins[alias].storage, ins[alias].nbytes, grad, dense)
            if alias is not None
            else self.new(self.nbytes(y), grad, dense)
        )
        for s in saves if grad else ():
            if s.for_input is not None and not ins[s.for_input].grad:
                continue
            v = self.value(s, ins, out)
            if v.storage not in self.counted:
                self.counted.add(v.storage)
                self.per_layer[name] = self.per_layer.get(name, 0) + v.nbytes
        return out

    def value(self, s: Saved, ins: Sequence[Value], out: Value) -> Value:
        if s.source == "input":
            return ins[s.which]
        if s.source == "output":
            return out
        return self.new(self.nbytes(s.shape, s.dtype, s.batched), True)


def saved_bytes(report: Report, batch: int = 2, dtype: str = "float32") -> Memory:
    """Bytes autograd saves for backward in one train-mode forward of the report's network
    at `batch`, in `dtype` (the input untracked, as a data batch is); SpecError (E130)
    naming each layer whose kind declares nothing."""
    if dtype not in DTYPES:
        raise UsageError(f"dtype {dtype!r}: memory knows {', '.join(DTYPES)}")
    walk = _Walk(batch, dtype)
    made = {INPUT: walk.new(walk.nbytes(report.input_shape), grad=False)}
    problems: list[Problem] = []
    for stats in report.layers:
        node, y = stats.node, stats.output_shape
        if any(i not in made for i in node.inputs):
            continue  # after an undeclared layer: reported there
        ins = [made[i] for i in node.inputs]
        trains = stats.counts.trainable != 0
        out = walk.step(node.name, node.layer, ins, stats.input_shapes, y, trains)
        act = node.layer.activation
        if out is not None and act is not None:
            out = walk.step(node.name, act, [out], [y], y, trains=False)
        if out is None:
            own = node.layer.saved(stats.input_shapes, y) is None or act is None
            kind = node.layer.type if own else f"its activation {act.type}"
            view = not all(v.contiguous for v in ins)
            problems.append(
                Problem(
                    node.where(),
                    f"{kind} does not declare what autograd saves for it"
                    + (" on a non-contiguous (permuted or split) input" if view else ""),
                    "docs/memory.md lists the kinds declared so far",
                    node.name,
                    "E130",
                )
            )
            continue
        made[node.name] = out
    if problems:
        raise SpecError(problems)
    return Memory(batch, dtype, sum(walk.per_layer.values()), walk.per_layer)
