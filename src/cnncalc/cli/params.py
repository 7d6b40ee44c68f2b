"""cnncalc params SPEC: shapes, parameters, connections and MACs per layer, with totals."""

from __future__ import annotations

from typing import Any

from cnncalc.cli.report import emit
from cnncalc.cli.typer_options import report_command


@report_command  # its options: cli/options.py, REPORTS["params"]
def params(spec: str, **options: Any) -> None:
    """Print shapes, parameters (trainable, fixed, buffers), connections and MACs, with totals."""
    emit(spec, **options, full=True)
