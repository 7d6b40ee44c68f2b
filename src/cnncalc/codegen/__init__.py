"""Code generation from an analysed spec: `generate(report, "torch")` writes a PyTorch module,
`generate(report, "cuda")` a CUDA inference module (its files: `.files`, name -> text).
`cnncalc.api.generate` is this function, imported from here when first asked for.

Nothing here imports torch; `cnncalc.codegen.check` does, when asked to prove a generated
module against cnncalc's figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

from cnncalc.codegen.backend import Generated, backend

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report
    from cnncalc.codegen.cuda import CudaModule

__all__ = ["Generated", "generate"]


@overload
def generate(
    report: Report, target: Literal["torch"] = "torch", line_length: int = 88
) -> Generated: ...
@overload
def generate(report: Report, target: Literal["cuda"], line_length: int = 88) -> CudaModule: ...
@overload
def generate(
    report: Report, target: str = "torch", line_length: int = 88
) -> Generated | CudaModule: ...
def generate(
    report: Report, target: str = "torch", line_length: int = 88
) -> Generated | CudaModule:
    """Generated source for a checked report: 'torch' gives a `Generated` (`.code`, one file),
    'cuda' a `CudaModule` (`.files`, name -> text, as `cnncalc codegen cuda` writes them;
    `.write(folder)`). Raises SpecError for layers that cannot be lowered, UsageError for an
    unknown target. `line_length` formats the torch backend's code."""
    return backend(target).generate(report, line_length)
