"""Code generation from an analysed spec: `generate(report, "torch")` writes a PyTorch module.

Nothing here imports torch; `cnncalc.codegen.check` does, when asked to prove a generated
module against cnncalc's figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnncalc.codegen.backend import Generated, backend

if TYPE_CHECKING:
    from cnncalc.analysis.engine import Report

__all__ = ["Generated", "generate"]


def generate(report: Report, target: str = "torch", line_length: int = 88) -> Generated:
    """Source for the report's network; raises SpecError for layers that cannot be lowered."""
    return backend(target).generate(report, line_length)
