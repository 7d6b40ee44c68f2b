"""cnncalc codegen torch SPEC: write a PyTorch module for a spec; --check proves it with torch.

Exit codes: 0 written (and, with --check, every figure agrees); 1 the spec is invalid or
cannot be lowered, or torch disagrees with cnncalc; 2 usage errors, and --check without
torch installed (an environment problem, like a missing file).
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli.common import HELP, fail, guarded, writing
from cnncalc.cli.typer_options import InputOpt, SetOpt, SpecArg
from cnncalc.errors import ExitCode

codegen_app = typer.Typer(
    name="codegen",
    help="Generate code from a spec: `cnncalc codegen torch SPEC` "
    "or `cnncalc codegen cuda SPEC -o DIR`.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=HELP,
)

OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="write the module here (default: print it)", show_default=False
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option(
        "--check",
        help="import the module with torch, run it on a random input and compare parameters, "
        "buffers and every layer's output shape with cnncalc's figures",
    ),
]
WidthOpt = Annotated[
    int, typer.Option("--line-length", help="format for this line length (ruff's)")
]


@codegen_app.command("torch")
def torch_module(
    spec: SpecArg,
    output: OutputOpt = None,
    check: CheckOpt = False,
    input: InputOpt = None,
    line_length: WidthOpt = 88,
    sets: SetOpt = None,
) -> None:
    """Write an nn.Module for the spec: layers named as cnncalc names them, one file, torch only."""
    from cnncalc.api import generate, report

    rep = guarded(lambda: report(str(spec), input, sets=sets))
    if line_length < 40:
        fail(f"cnncalc: --line-length {line_length}: give 40 or more", ExitCode.USAGE)
    gen = guarded(lambda: generate(rep, "torch", line_length=line_length))
    for layer, path in gen.renamed.items():
        print(
            f"note: layer {layer!r} is module {path!r} (a Python name torch does not use)",
            file=sys.stderr,
        )
    if output is None:
        with writing():  # a failed write is one line, not a bug
            print(gen.code, end="")
            sys.stdout.flush()  # before --check's report on stderr
    else:
        try:
            output.write_text(gen.code, encoding="utf-8")
        except OSError as err:
            fail(f"cnncalc: cannot write {output}: {err.strerror}", ExitCode.USAGE)
        print(f"wrote {output}: class {gen.class_name}", file=sys.stderr)
    if check:
        from cnncalc.codegen.check import compare

        result = guarded(lambda: compare(rep, gen))
        if not result.ok:
            fail(
                "check failed: torch and cnncalc disagree\n  " + "\n  ".join(result.mismatches),
                ExitCode.INVALID,
            )
        e = result.expected
        print(
            f"check passed: torch counts {e.trainable:,} trainable and {e.fixed:,} fixed "
            f"parameters and {e.buffers:,} buffer elements, and agrees on all "
            f"{len(e.shapes)} layer output shapes",
            file=sys.stderr,
        )


class CudaForm(StrEnum):
    auto = "auto"
    fused = "fused"
    layered = "layered"


@codegen_app.command("cuda")
def cuda_module(
    spec: SpecArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="the folder to write", show_default=False)
    ],
    input: InputOpt = None,
    mode: Annotated[
        CudaForm,
        typer.Option(
            "--mode",
            help="fused: one kernel for the whole network; layered: one per step; "
            "auto: fused when its intermediates fit in shared memory",
        ),
    ] = CudaForm.auto,
    prefix: Annotated[
        str | None,
        typer.Option(
            "--prefix", help="C symbol prefix (default: from the spec's name)", show_default=False
        ),
    ] = None,
    sets: SetOpt = None,
) -> None:
    """Write a CUDA inference module (.cu, C header, ctypes loader, Makefile); docs/cuda.md."""
    from cnncalc.api import generate, report

    rep = guarded(lambda: report(str(spec), input, sets=sets))
    module = guarded(lambda: generate(rep, "cuda", mode=mode.value, prefix=prefix))
    guarded(lambda: module.write(output))
    form = "one fused kernel" if module.mode == "fused" else f"{module.kernels} kernels"
    print(
        f"wrote {output}/: {module.prefix}.cu ({form}), {module.prefix}.h, {module.prefix}.py, "
        f"Makefile, README.md; weights: {module.weights_count:,} floats",
        file=sys.stderr,
    )
