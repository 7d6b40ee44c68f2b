"""Code generation from an analysed spec: `generate(report, "torch")` writes a PyTorch module,
`generate(report, "cuda")` a CUDA inference module (its files: `.files`, name -> text).
`cnncalc.api.generate` is this function, imported from here when first asked for.

Nothing here imports torch; `cnncalc.codegen.check` does, when asked to prove a generated
module against cnncalc's figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, overload

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
def generate(
    report: Report,
    target: Literal["cuda"],
    *,
    mode: Literal["auto", "fused", "layered"] = "auto",
    prefix: str | None = None,
) -> CudaModule: ...
@overload
def generate(report: Report, target: str = "torch", **options: Any) -> Generated | CudaModule: ...
def generate(
    report: Report, target: str = "torch", line_length: int | None = None, **options: Any
) -> Generated | CudaModule:
    """Generated source for a checked report, by the backend named `target` with its own
    options: 'torch' gives a `Generated` (`.code`, one file; `line_length` formats it), 'cuda'
    a `CudaModule` (`.files`, name -> text, as `cnncalc codegen cuda` writes them;
    `.write(folder)`; `mode`, `prefix`). Raises SpecError for layers that cannot be lowered,
    UsageError for an unknown target or option. `line_length` may also come third, as it
    did before backends took options of their own."""
    if line_length is not None:
        options["line_length"] = line_length
    return backend(target).generate(report, **options)
