"""CUDA code generation: a standalone inference module for an analysed spec.

    from cnncalc.api import analyze, load
    from cnncalc.codegen.cuda import generate
    module = generate(analyze(load("specs/lenet5.yaml")))
    module.write("out/lenet5")  # lenet_5.cu .h .py, Makefile, README.md, layout.json

docs/cuda.md explains the design: lowering (lower.py, ops/), fusion (fuse.py), memory
(memory.py) and the shared renderer (render.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from cnncalc.analysis.engine import Report
from cnncalc.codegen import escape
from cnncalc.codegen.backend import options
from cnncalc.codegen.lowering import Refusal
from cnncalc.errors import Problem, SpecError, UsageError
from cnncalc.layers.base import Layer

from .cstyle import num
from .fuse import fuse
from .ir import Buf, Loop, Mode, RawTensor, Step
from .loader import loader
from .lower import LOWERINGS, Lowering, Unsupported, lower
from .memory import plan
from .render import Program, header, source

__all__ = ["SHARED_LIMIT", "Cuda", "CudaModule", "Unsupported", "generate"]

SHARED_LIMIT = 48 * 1024 // 4  # floats of static shared memory a block may declare anywhere


@dataclass
class CudaModule:
    prefix: str
    mode: Mode
    weights: list[RawTensor]
    weights_count: int
    input_shape: tuple[int, ...]
    output_shapes: list[tuple[int, ...]]
    kernels: int  # launches per forward pass
    arena: int  # floats per sample of intermediate storage (shared memory when fused)
    files: dict[str, str] = field(default_factory=dict)

    def write(self, folder: str | Path) -> list[Path]:
        out = Path(folder)
        try:
            out.mkdir(parents=True, exist_ok=True)
            paths = []
            for name, text in self.files.items():
                if not escape.is_file_name(name):  # a module_name made them: never happens
                    raise UsageError(f"cannot write {escape.py_string(name)}: not a file name")
                (out / name).write_text(text, encoding="utf-8")
                paths.append(out / name)
        except OSError as err:
            raise UsageError(f"cannot write {out}: {err.strerror or err}") from err
        return paths


class Cuda:
    """The CUDA backend by name (`cnncalc.codegen.generate(report, "cuda")`): the form chosen
    as `--mode auto` chooses it, the prefix from the network's name."""

    name = "cuda"

    def generate(self, report: Report, **given: Any) -> CudaModule:
        o = options(self.name, given, {"mode": "auto", "prefix": None})
        return generate(report, o["mode"], o["prefix"])

    def lowering_for(self, kind: type[Layer]) -> Lowering | Refusal:
        """The op registered for the layer class (ops/, through the class's MRO)."""
        return LOWERINGS.lowering_for(kind)

    def supports(self, kind: type[Layer]) -> Literal[True] | str:
        return LOWERINGS.supports(kind)


def generate(
    report: Report, mode: Literal["auto", "fused", "layered"] = "auto", prefix: str | None = None
) -> CudaModule:
    """Lower, fuse, plan and render. `auto` fuses the whole network into one kernel when its
    intermediates fit in a block's shared memory, and runs one kernel per step otherwise."""
    net = report.network
    if prefix is not None and (problem := escape.prefix_problem(prefix)) is not None:
        raise UsageError(f"--prefix {escape.py_string(prefix)}: {problem}")
    name = prefix or escape.module_name(net.name or Path(net.file).stem)
    _fields_fit_int32(report)
    tried: list[str] = []
    for m in ["fused", "layered"] if mode == "auto" else [mode]:
        lowered = lower(report, m)  # type: ignore[arg-type]
        ctx = lowered.ctx
        outputs = list(lowered.outputs)
        steps = fuse(ctx.steps, outputs)
        steps, outputs = _own_outputs(steps, lowered.input, outputs)
        arena = plan(steps, outputs, "shared" if m == "fused" else "work")
        _fits_int32(report, arena + sum(b.size for b in outputs), ctx.dev_size, ctx.raw_size)
        if m == "fused" and arena > SHARED_LIMIT:
            tried.append(
                f"its intermediates need {arena * 4:,} bytes of shared memory per sample, "
                f"over {SHARED_LIMIT * 4:,}"
            )
            if mode == "fused":
                raise UsageError(
                    f"--mode fused: {net.name} cannot be one kernel: {tried[-1]}; "
                    "use --mode layered"
                )
            continue
        prog = Program(
            name=net.name,
            prefix=name,
            source=Path(net.file).name,
            mode=m,  # type: ignore[arg-type]
            steps=steps,
            input=lowered.input,
            input_shape=tuple(num(d) for d in report.input_shape),
            outputs=outputs,
            output_shapes=lowered.output_shapes,
            raw_size=ctx.raw_size,
            dev_size=ctx.dev_size,
            arena=arena,
        )
        return _module(prog, ctx.raw)
    raise AssertionError("unreachable")


def _fits_int32(report: Report, per_sample: int, dev: int, raw: int) -> None:
    """Indices within a sample and into the weights are 32-bit ints in the kernels."""
    worst = max(per_sample, dev, raw)
    if worst >= 2**31:
        net = report.network
        raise SpecError(
            [
                Problem(
                    net.doc.where(("input",)),
                    f"the CUDA backend indexes a sample and the weights with 32-bit integers; this "
                    f"network needs {worst:,} elements in one of them",
                    "use a smaller --input",
                    code="E302",
                )
            ]
        )


def _fields_fit_int32(report: Report) -> None:
    """The kernels compute indices with a layer's integers (stride, dilation, padding, …) as
    32-bit ints: a larger one would be truncated in the C arithmetic, so it is refused where
    it is written (torch codegen's bound is 64 bits, in layers/base.pyargs)."""
    problems: list[Problem] = []
    for s in report.layers:
        layer = s.node.layer
        for name, info in type(layer).model_fields.items():
            value = getattr(layer, name)
            items = value if isinstance(value, (tuple, list)) else (value,)
            big = [n for n in items if isinstance(n, int) and not -(2**31) <= n < 2**31]
            if big:
                key = info.alias or name
                problems.append(
                    Problem(
                        s.node.where(key),
                        f"{key} is {big[0]:,}: the CUDA kernels compute with 32-bit integers, "
                        f"up to {2**31 - 1:,}",
                        "use a smaller value (torch codegen takes 64-bit integers)",
                        s.name,
                        "E302",
                    )
                )
    if problems:
        raise SpecError(problems)


def _own_outputs(steps: list[Step], x: Buf, outputs: list[Buf]) -> tuple[list[Step], list[Buf]]:
    """Each output needs its own buffer: copy one that is the input or already an output."""
    seen: set[int] = set()
    fixed: list[Buf] = []
    for b in outputs:
        if b is x or id(b) in seen:
            copy = Buf(f"{b.name} (copy)", b.size)
            steps.append(
                Loop(
                    f"k{len(steps)}_copy",
                    f"output copy of {b.name}",
                    copy,
                    [b],
                    b.size,
                    body=["v = x0(i);"],
                )
            )
            b = copy
        seen.add(id(b))
        fixed.append(b)
    return steps, fixed


def _module(p: Program, raw: list[RawTensor]) -> CudaModule:
    outs = [(s, b.offset, b.size) for b, s in zip(p.outputs, p.output_shapes, strict=True)]
    files = {
        f"{p.prefix}.cu": source(p),
        f"{p.prefix}.h": header(p),
        f"{p.prefix}.py": loader(p.name, p.prefix, p.input_shape, outs, raw, p.raw_size),
        "Makefile": _makefile(p.prefix),
        "README.md": _readme(p, raw),
        "layout.json": json.dumps(
            {
                "network": p.name,
                "prefix": p.prefix,
                "form": p.mode,
                "input_shape": list(p.input_shape),
                "outputs": [{"shape": list(s), "offset": o, "size": n} for s, o, n in outs],
                "weights_count": p.raw_size,
                "weights": [
                    {"key": w.key, "shape": list(w.shape), "offset": w.offset} for w in raw
                ],
            },
            indent=1,
        )
        + "\n",
    }
    return CudaModule(
        prefix=p.prefix,
        mode=p.mode,
        weights=raw,
        weights_count=p.raw_size,
        input_shape=p.input_shape,
        output_shapes=p.output_shapes,
        kernels=1 if p.mode == "fused" else len(p.steps),
        arena=p.arena,
        files=files,
    )


def _makefile(prefix: str) -> str:
    return (
        "# Build the shared library the Python loader and C/C++ programs link against.\n"
        "# ARCH: the GPU's architecture (native: this machine's; sm_90 for H100).\n"
        "NVCC ?= nvcc\nARCH ?= native\n\n"
        f"lib{prefix}.so: {prefix}.cu {prefix}.h\n"
        f"\t$(NVCC) -O3 -std=c++17 -arch=$(ARCH) -Xcompiler -fPIC -shared -o $@ {prefix}.cu\n"
    )


def _readme(p: Program, raw: list[RawTensor]) -> str:
    rows = "\n".join(
        f"| {w.key} | {'×'.join(map(str, w.shape))} | {w.offset:,} | {w.size:,} |" for w in raw
    )
    form = (
        "one kernel launch for the whole network "
        "(one block per sample, intermediates in shared memory)"
        if p.mode == "fused"
        else f"{len(p.steps)} kernel launches (one per fused step, intermediates in a global arena)"
    )
    return f"""# {escape.markdown(p.name)}: CUDA inference module

Generated by cnncalc from `{escape.markdown_code(p.source)}`. Form: {form}.

Build: `make` (needs nvcc; `make ARCH=sm_90` to target an H100 from a machine without one).
C interface: `{p.prefix}.h`. From Python:
`import {p.prefix}; m = {p.prefix}.Model(state_dict); y = m(x)`.

Input: batch × {"×".join(map(str, p.input_shape))} float32, contiguous.
Output: {", ".join("batch × " + "×".join(map(str, s)) for s in p.output_shapes)} float32.

## Weights layout

The weights are {p.raw_size:,} float32 values: every floating-point tensor of the generated
torch module's `state_dict`, in its order, each flattened row-major (a raw little-endian
file with no header). BatchNorm's `num_batches_tracked` (an integer) is left out.
BatchNorm is folded into the convolution or linear layer before it **at load time**
(`{p.prefix}_create`, in double precision), so the file keeps the torch tensors unchanged.

| tensor | shape | offset (floats) | count |
|---|---|---:|---:|
{rows}
"""
