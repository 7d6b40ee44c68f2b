"""Prove a generated PyTorch module against cnncalc's report, with torch as the judge.

The module is imported from its source, instantiated and run on a random input; torch counts
its parameters (trainable and fixed) and buffer elements and lists its state_dict (held to
the layers' declared state, `Layer.state`, placed by the module tree), forward hooks record
the output of every layer that is a module (found by its name, as `get_submodule` finds it),
and a line tracer reads the variables forward assigns for layers written as expressions
(merges, reshapes, splits). Each figure is compared with cnncalc's.

torch is imported when a check runs, never when this module is imported.
"""

from __future__ import annotations

import linecache
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any

from cnncalc.codegen.backend import Generated
from cnncalc.codegen.pytorch import module_tree
from cnncalc.errors import CnncalcError, ExitCode, UsageError

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report

Shape = tuple[int, ...]
Entry = tuple[str, Shape]  # a state_dict key and its tensor's shape


class TorchMissing(CnncalcError):
    """torch is not installed: the check needs it (exit 2, as for other environment problems)."""

    exit_code = ExitCode.USAGE


@dataclass
class Measured:
    """What torch says about a generated module."""

    trainable: int
    fixed: int
    buffers: int
    shapes: dict[str, Shape] = field(default_factory=dict)  # layer -> output shape, batch excluded
    outputs: list[Shape] = field(default_factory=list)
    state: list[Entry] = field(default_factory=list)  # the state_dict, in its order


@dataclass
class Expected:
    trainable: int
    fixed: int
    buffers: int
    shapes: dict[str, Shape]
    outputs: list[Shape]


@dataclass
class Result:
    expected: Expected
    measured: Measured
    mismatches: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def import_torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise TorchMissing(
            "checking generated code needs torch, which is not installed: "
            "pip install 'cnncalc[torch]' (or generate without --check)"
        ) from err
    return torch


def load(generated: Generated) -> ModuleType:
    """Import the generated source as a module (it is registered with linecache so that
    tracebacks show its lines)."""
    filename = f"<cnncalc generated {generated.class_name}>"
    linecache.cache[filename] = (
        len(generated.code),
        None,
        generated.code.splitlines(keepends=True),
        filename,
    )
    module = ModuleType(generated.class_name.lower())
    module.__dict__["__file__"] = filename
    exec(compile(generated.code, filename, "exec"), module.__dict__)
    return module


def expected(report: Report) -> Expected:
    """cnncalc's figures, which must all be numbers (a concrete input)."""

    def number(d: object, what: str) -> int:
        if not isinstance(d, int):
            raise UsageError(f"--check needs a concrete input ({what} is {d}); give --input")
        return d

    def shape(s: tuple[object, ...], what: str) -> Shape:
        return tuple(number(d, what) for d in s)

    t = report.totals
    return Expected(
        number(t.trainable, "the parameter count"),
        number(t.fixed, "the fixed parameter count"),
        number(t.buffers, "the buffer count"),
        {s.name: shape(s.output_shape, s.name) for s in report.layers},
        [shape(o, "an output") for o in report.outputs],
    )


@contextmanager
def _values(generated: Generated, module_file: str, seen: dict[str, Shape]) -> Iterator[None]:
    """Record the shape of each variable forward assigns, right after its statement runs."""
    starts = {s.first: s for s in generated.statements}
    current: list[Any] = [None]

    def local(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        done = current[0]
        if done is not None and (
            event == "return" or not done.first <= frame.f_lineno <= done.last
        ):
            value: Any = frame.f_locals.get(done.variable)
            if hasattr(value, "shape"):
                seen[done.layer] = tuple(int(d) for d in value.shape[1:])
            current[0] = None
        if event == "line" and frame.f_lineno in starts:
            current[0] = starts[frame.f_lineno]
        return local

    def calls(frame: FrameType, event: str, arg: object) -> Callable[..., Any] | None:
        code = frame.f_code
        if code.co_filename == module_file and code.co_name == "forward":
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield
    finally:
        sys.settrace(previous)


def measure(
    generated: Generated, input_shape: Shape, batch: int = 2, seed: int = 0, run: bool = True
) -> Measured:
    """Instantiate the generated class, count with torch and (run=True) run it on a random
    (batch, *input_shape) input, recording every layer's output shape."""
    torch = import_torch()
    module = load(generated)
    torch.manual_seed(seed)
    model = getattr(module, generated.class_name)()
    model.eval()  # batch statistics and dropout play no part in shapes
    params = list(model.parameters())
    measured = Measured(
        trainable=sum(p.numel() for p in params if p.requires_grad),
        fixed=sum(p.numel() for p in params if not p.requires_grad),
        buffers=sum(b.numel() for b in model.buffers()),
        state=[(k, tuple(int(d) for d in v.shape)) for k, v in model.state_dict().items()],
    )
    if not run:
        return measured
    seen: dict[str, Shape] = {}
    handles = []
    for layer, path in generated.modules.items():
        try:
            sub = model.get_submodule(path)
        except AttributeError:
            continue  # reported as a missing shape

        def hook(_m: object, _i: object, out: Any, layer: str = layer) -> None:
            seen[layer] = tuple(int(d) for d in out.shape[1:])

        handles.append(sub.register_forward_hook(hook))
    x = torch.randn(batch, *input_shape)
    try:
        with torch.no_grad(), _values(generated, module.__file__ or "", seen):
            out = model(x)
    finally:
        for h in handles:
            h.remove()
    outs = out if isinstance(out, tuple) else (out,)
    measured.shapes = seen
    measured.outputs = [tuple(int(d) for d in o.shape) for o in outs]
    return measured


def compare(
    report: Report, generated: Generated, batch: int = 2, run: bool = True, at: Report | None = None
) -> Result:
    """cnncalc's figures against torch's for a generated module; mismatches as sentences.

    `at`: run forward at this report's input instead (the same spec at a smaller input, for
    which the generated code is the same); the counts still come from `report`."""
    want = expected(report)
    if at is not None:
        small = expected(at)
        want.shapes, want.outputs = small.shapes, small.outputs
    shape = (at or report).input_shape
    try:
        got = measure(generated, tuple(shape), batch, run=run)  # type: ignore[arg-type]
    except TorchMissing:
        raise
    except Exception as err:  # torch refused to build or run what cnncalc accepted
        where = _where(err, generated)
        doing = "run" if run else "build"
        # torch's own message can run to a C++ stack trace: its first line, capped
        lines = str(err).strip().splitlines() or [""]
        said = lines[0] if len(lines[0]) <= 300 else lines[0][:300] + "…"
        said += " …" if len(lines) > 1 else ""
        refused = f"torch could not {doing} the module{where}: {type(err).__name__}: {said}"
        return Result(want, Measured(-1, -1, -1), [refused])
    bad: list[str] = []
    declared = [(e.key, _shape_of(e.tensor.shape)) for e in module_tree(report).state(report)]
    if declared != got.state:
        bad.append(_state_difference(declared, got.state))
    for what, a, b in (
        ("trainable parameters", want.trainable, got.trainable),
        ("fixed (non-trainable) parameters", want.fixed, got.fixed),
        ("buffer elements", want.buffers, got.buffers),
    ):
        if a != b:
            bad.append(f"{what}: cnncalc {a:,}, torch {b:,}")
    if run:
        for name, shape in want.shapes.items():
            seen = got.shapes.get(name)
            if seen is None:
                bad.append(f"layer {name!r}: torch never produced its output")
            elif seen != shape:
                bad.append(f"layer {name!r}: cnncalc {_shape(shape)}, torch {_shape(seen)}")
        outs = [(batch, *s) for s in want.outputs]
        if got.outputs != outs:
            shown = ", ".join(_shape(o) for o in got.outputs)
            bad.append(f"outputs: cnncalc {', '.join(_shape(o) for o in outs)}, torch {shown}")
    return Result(want, got, bad)


def _where(err: BaseException, generated: Generated) -> str:
    """' (layer x, line n)' for the innermost generated line in the traceback."""
    tb, line = err.__traceback__, 0
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith("<cnncalc generated"):
            for s in generated.statements:  # the statement of forward that was running
                if s.first <= tb.tb_lineno <= s.last:
                    return f" at layer {s.layer!r} (line {tb.tb_lineno})"
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" at line {line}" if line else ""


def _shape_of(s: tuple[object, ...]) -> Shape:
    return tuple(d if isinstance(d, int) else -1 for d in s)  # -1: symbolic (never equal)


def _state_difference(declared: list[Entry], held: list[Entry]) -> str:
    """The first state_dict entry where the layers' declarations and torch part."""
    for i, (a, b) in enumerate(zip(declared, held, strict=False)):
        if a != b:
            return (
                f"state_dict entry {i + 1}: cnncalc declares {a[0]} ({_shape(a[1])}), "
                f"torch has {b[0]} ({_shape(b[1])})"
            )
    return f"state_dict: cnncalc declares {len(declared)} tensors, torch has {len(held)}"


def _shape(s: Shape) -> str:
    return "x".join(str(d) for d in s) if s else "scalar"
