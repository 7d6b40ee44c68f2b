"""What autograd keeps for backward: one train-mode forward at batch N, in bytes.

Each layer declares the tensors it saves (`Layer.saved`: its input, its output or a tensor
of its own) and whether its output is its input's storage (`Layer.aliases`: a view, an
in-place op). This walk names every storage once, so a tensor two layers keep, or keep
through a view, is counted once; parameters and buffers are not counted (docs/memory.md).
No torch here: tests/torch/test_memory.py holds the figures to saved_tensors_hooks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cnncalc.analysis.engine import Report
from cnncalc.errors import Problem, SpecError, UsageError
from cnncalc.layers.base import Layer, Saved, Shape, concrete, full, numel
from cnncalc.layers.layout import Strides, dense, is_contiguous
from cnncalc.spec.network import INPUT

# bytes per element of the network's dtypes (those tests/torch/test_memory.py proves) and of
# the dtypes layers declare
DTYPES = {"float64": 8, "float32": 4, "bfloat16": 2}
BYTES = {**DTYPES, "int64": 8}


@dataclass(frozen=True, slots=True)
class Value:
    """A tensor a layer makes: its storage (a number, shared by views and in-place results),
    that storage's bytes, whether autograd tracks it (requires grad), its shape's leading size
    (the batch; 1 for a parameter read alone) and its strides (None: a non-contiguous layout
    not followed, layers/layout.py)."""

    storage: int
    nbytes: int
    grad: bool
    batch: int
    strides: Strides | None

    def contiguous(self, shape: Shape) -> bool:
        return self.strides is not None and is_contiguous(full(self.batch, shape), self.strides)


@dataclass(frozen=True, slots=True)
class Memory:
    """Bytes autograd keeps for backward: in all, and by the layer that first keeps each."""

    batch: int
    dtype: str
    saved: int  # bytes of the unique storages kept for backward
    per_layer: dict[str, int]  # bytes of each storage, charged to the first layer keeping it
    by_dtype: dict[str, int] = field(default_factory=dict)  # the same bytes by element type


class _Walk:
    """One pass: storages numbered as they are made, each charged once."""

    def __init__(self, batch: int, dtype: str) -> None:
        self.batch, self.dtype = batch, dtype
        self.storages = 0
        self.counted: set[int] = set()
        self.per_layer: dict[str, int] = {}
        self.by_dtype: dict[str, int] = {}

    def element(self, dtype: str | None) -> str:
        """A declared element type (Saved.dtype) as a dtype: None is the network's;
        "accumulate" float32, or float64 in a float64 network."""
        if dtype == "accumulate":
            return "float64" if self.dtype == "float64" else "float32"
        return dtype or self.dtype

    def nbytes(
        self, shape: Shape, dtype: str | None = None, batched: bool = True, batch: int = 0
    ) -> int:
        full = ((batch or self.batch), *shape) if batched else shape
        return concrete(numel(full), "a saved tensor's size") * BYTES[self.element(dtype)]

    def new(self, nbytes: int, grad: bool, batch: int, strides: Strides | None) -> Value:
        self.storages += 1
        return Value(self.storages, nbytes, grad, batch, strides)

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
        # a parameter read alone, and what is computed from it alone, has one sample
        batch = max((v.batch for v in ins), default=self.batch)
        saves = layer.saved_at(batch, shapes, y, [v.strides for v in ins])
        layout = layer.layout([v.strides for v in ins], shapes, y, batch)
        if saves is None or layout is None:
            return None
        grad = trains or any(v.grad for v in ins)
        alias, strides = layout
        if layer.output_is_state():  # a parameter or buffer: never counted
            out = self.new(0, trains, 1, dense(full(1, y)))
            self.counted.add(out.storage)
            return out
        out = (
            Value(ins[alias].storage, ins[alias].nbytes, grad, batch, strides)
            if alias is not None
            else self.new(
                self.nbytes(layer.storage(batch, shapes, y), batch=batch), grad, batch, strides
            )
        )
        for s in saves if grad else ():
            needs = (s.for_input,) if isinstance(s.for_input, int) else s.for_input
            if needs is not None and not any(ins[i].grad for i in needs):
                continue
            v = self.value(s, ins, out, batch)
            if v.storage not in self.counted:
                self.counted.add(v.storage)
                self.per_layer[name] = self.per_layer.get(name, 0) + v.nbytes
                kind = self.element(s.dtype if s.source == "own" else None)
                self.by_dtype[kind] = self.by_dtype.get(kind, 0) + v.nbytes
        return out

    def value(self, s: Saved, ins: Sequence[Value], out: Value, batch: int) -> Value:
        if s.source == "input":
            return ins[s.which]
        if s.source == "output":
            return out
        return self.new(self.nbytes(s.shape, s.dtype, s.batched, batch), True, batch, None)


def saved_bytes(report: Report, batch: int = 2, dtype: str = "float32") -> Memory:
    """Bytes autograd saves for backward in one train-mode forward of the report's network
    at `batch`, in `dtype` (the input untracked, as a data batch is); SpecError (E130)
    naming each layer whose kind declares nothing."""
    if dtype not in DTYPES:
        raise UsageError(f"dtype {dtype!r}: memory knows {', '.join(DTYPES)}")
    walk = _Walk(batch, dtype)
    first = dense(full(batch, report.input_shape))
    made = {INPUT: walk.new(walk.nbytes(report.input_shape), False, batch, first)}
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
            view = not all(v.contiguous(s) for v, s in zip(ins, stats.input_shapes, strict=True))
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
    return Memory(batch, dtype, sum(walk.per_layer.values()), walk.per_layer, walk.by_dtype)
