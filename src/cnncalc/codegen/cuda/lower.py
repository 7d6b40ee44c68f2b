"""Network + report -> steps. One op module per layer kind (ops/), found by the layer's class
(codegen/lowering.py: the lookup every backend shares).

The context hands an op what it needs: its input buffers and shapes, the layer's tensors in
the weights file (`state`: as the layer declares them, laid out in state_dict order up
front), device slots built from them at load time, and `loop` to emit a step. Anything a
backend cannot do raises `Unsupported`, which becomes a located error naming the layer; it
never emits approximate code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cnncalc.analysis.engine import Report
from cnncalc.codegen.lowering import Lowerings, Refusal
from cnncalc.errors import Problem, SpecError
from cnncalc.layers.base import Layer, numel
from cnncalc.spec.network import INPUT, Node

from .cstyle import ident, num
from .ir import Buf, Foldable, Loop, Mode, Prep, RawTensor, Step
from .weights import layout

Shape = tuple[int, ...]
Lowering = Callable[["Ctx", Any, list[Shape], Shape, list[Buf]], Buf]
# every module of ops/ registers its layer kinds here with @lowers (no list to keep)
LOWERINGS: Lowerings[Lowering] = Lowerings("CUDA", "cnncalc.codegen.cuda.ops")
lowers = LOWERINGS.lowers


class Unsupported(Exception):
    """A layer (or one of its options) the CUDA backend cannot generate code for."""

    def __init__(self, message: str, field: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.hint = hint


@dataclass
class Ctx:
    mode: Mode
    raw: list[RawTensor] = field(default_factory=list)  # the weights file, in its order
    dev_size: int = 0
    steps: list[Step] = field(default_factory=list)
    prefix: str = ""  # state_dict key prefix of the layer being lowered ('layer1.0.conv1.')
    label: str = ""
    _names: set[str] = field(default_factory=set)
    _keys: dict[str, RawTensor] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._keys = {t.key: t for t in self.raw}

    @property
    def raw_size(self) -> int:
        return sum(t.size for t in self.raw)

    # ---- weights --------------------------------------------------------------------------
    def state(self, layer: Layer, x: Shape, y: Shape) -> dict[str, RawTensor]:
        """The layer's tensors in the weights file by their declared names (`Layer.state`;
        its floating-point ones: num_batches_tracked is not in the file)."""
        return {
            t.name: self._keys[self.prefix + t.name]
            for t in layer.state(x, y)
            if t.dtype == "float32"
        }

    def slot(self, n: int) -> int:
        """Reserve n floats of the device blob (16-byte aligned)."""
        off = self.dev_size
        self.dev_size += (n + 3) // 4 * 4
        return off

    def upload(self, t: RawTensor, prep: list[Prep]) -> int:
        off = self.slot(t.size)
        prep.append(Prep("copy", (off, t.offset, t.size)))
        return off

    def zeros(self, n: int, prep: list[Prep]) -> int:
        off = self.slot(n)
        prep.append(Prep("zero", (off, n)))
        return off

    # ---- steps ----------------------------------------------------------------------------
    def name(self, hint: str = "") -> str:
        base = f"k{len(self.steps)}_{ident(hint or self.label, 32)}"
        while base in self._names:
            base += "_"
        self._names.add(base)
        return base

    def buf(self, size: int) -> Buf:
        return Buf(self.label, size)

    def add(self, step: Step) -> Buf:
        """Append a step the op built itself (a matrix product); its output."""
        self.steps.append(step)
        return step.out

    def loop(
        self,
        size: int,
        body: list[str],
        inputs: Sequence[Buf],
        *,
        prep: list[Prep] | None = None,
        post: list[Prep] | None = None,
        decls: list[str] | None = None,
        foldable: Foldable | None = None,
    ) -> Buf:
        """A step of `size` elements, one thread each: `body` sets v from i."""
        return self._loop(
            size,
            inputs,
            decls=list(decls or []),
            prep=list(prep or []),
            post=list(post or []),
            foldable=foldable,
            body=body,
        )

    def pointwise(self, x: Buf, code: list[str], prep: list[Prep] | None = None) -> Buf:
        """An elementwise step v = f(x0(i)); the fusion pass may move it into x's producer."""
        return self._loop(
            x.size,
            [x],
            epilogue=list(code),
            prep=list(prep or []),
            pointwise=True,
            body=["v = x0(i);"],
        )

    def merge(self, size: int, op: str, index: list[str], inputs: Sequence[Buf]) -> Buf:
        """v = x0(index[0]) op x1(index[1]) …: pointwise, so the fusion pass may move it into
        the epilogue of the input produced last, which reads the others as it stores."""
        body = "v = " + f" {op} ".join(f"x{k}({e})" for k, e in enumerate(index)) + ";"
        return self._loop(size, inputs, pointwise=True, body=[body], merge=(op, index))

    def _loop(self, size: int, inputs: Sequence[Buf], **fields: Any) -> Buf:
        out = self.buf(size)
        return self.add(Loop(self.name(), self.label, out, list(inputs), size, **fields))


@dataclass
class Lowered:
    ctx: Ctx
    input: Buf
    outputs: list[Buf]
    output_shapes: list[Shape]


def concrete(shape: Sequence[Any]) -> Shape | None:
    return tuple(shape) if all(isinstance(d, int) for d in shape) else None


def lower(report: Report, mode: Mode) -> Lowered:
    """Lower every layer of an analysed network; raise SpecError naming each unsupported one."""
    net = report.network
    problems: list[Problem] = []
    x_shape = concrete(report.input_shape)
    if x_shape is None:
        raise SpecError(
            [
                Problem(
                    net.doc.where(("input",)),
                    "the CUDA backend needs concrete sizes, but the input is symbolic",
                    "give a concrete input, e.g. --input 3x224x224",
                    code="E300",
                )
            ]
        )
    laid = layout(report)
    ctx = Ctx(mode, laid.tensors)
    x = Buf("input", numel(x_shape), "input")
    env: dict[str, Buf] = {INPUT: x}
    shapes: dict[str, Shape] = {INPUT: x_shape}
    for stats in report.layers:
        node = stats.node
        y_shape = concrete(stats.output_shape)
        ins = [concrete(s) for s in stats.input_shapes]
        if y_shape is None or any(s is None for s in ins):
            problems.append(
                Problem(node.where(), "a size here is symbolic", "give --input", node.name, "E300")
            )
            continue
        if any(i not in env for i in node.inputs):
            continue  # an input failed: reported already
        try:
            ins_ = [s for s in ins if s is not None]
            keys = laid.prefixes.get(node.name, ("", ""))  # none: a layer without state
            env[node.name] = _lower_node(
                ctx, node, ins_, y_shape, [env[i] for i in node.inputs], keys
            )
            shapes[node.name] = y_shape
        except Unsupported as err:
            problems.append(
                Problem(node.where(err.field), err.message, err.hint, node.name, "E301")
            )
    if problems:
        raise SpecError(problems)
    outputs = [env[o] for o in net.outputs]
    return Lowered(ctx, x, outputs, [shapes[o] for o in net.outputs])


def _lower_node(
    ctx: Ctx, node: Node, ins: list[Shape], y: Shape, bufs: list[Buf], keys: tuple[str, str]
) -> Buf:
    layer = node.layer
    ctx.label = node.name
    ctx.prefix = keys[0]
    fn = LOWERINGS.lowering_for(type(layer))
    if isinstance(fn, Refusal):
        raise Unsupported(
            f"the CUDA backend does not support layer type '{layer.type}'" + _why(fn),
            "type",
            fn.hint or "remove the layer, or generate PyTorch code instead (cnncalc codegen torch)",
        )
    # the layer's own shape before its `activation:` shorthand
    own = tuple(num(d) for d in layer.infer(ins)) if layer.activation is not None else y
    out = fn(ctx, layer, ins, own, bufs)
    if layer.activation is not None:
        act = layer.activation
        act_fn = LOWERINGS.lowering_for(type(act))
        if isinstance(act_fn, Refusal):
            raise Unsupported(
                f"the CUDA backend does not support activation '{act.type}'" + _why(act_fn),
                "activation",
                act_fn.hint,
            )
        ctx.prefix = keys[1]
        out = act_fn(ctx, act, [own], y, [out])
    return out


def _why(refusal: Refusal) -> str:
    return f": {refusal.reason}" if refusal.reason else ""


__all__ = ["LOWERINGS", "Ctx", "Lowered", "Unsupported", "lower", "lowers"]
