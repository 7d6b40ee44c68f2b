"""cnncalc shapes SPEC: every layer's output shape."""

from __future__ import annotations

from typing import Any

from cnncalc.cli.report import emit
from cnncalc.cli.typer_options import report_command


@report_command  # its options: cli/options.py, REPORTS["shapes"]
def shapes(spec: str, **options: Any) -> None:
    """Print every layer's output shape (batch dimension N implicit)."""
    emit(spec, **options, full=False)
