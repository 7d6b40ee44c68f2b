"""The library API under the CLI: load a spec, analyze it, render the report.

net = load("specs/lenet5.yaml")
report = analyze(net)                      # or analyze(net, parse_input("1x28x28", net))
report.totals.trainable                    # 60000
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.analysis.engine import LayerStats, Report, analyze
from cnncalc.errors import CnncalcError, Problem, SpecError, UsageError
from cnncalc.layers.base import Counts, Shape
from cnncalc.spec.load import load, loads, parse_dim
from cnncalc.spec.network import Network

if TYPE_CHECKING:
    from cnncalc.codegen.backend import Generated

__all__ = [
    "CnncalcError",
    "Counts",
    "LayerStats",
    "Network",
    "Problem",
    "Report",
    "SpecError",
    "UsageError",
    "analyze",
    "generate",
    "load",
    "loads",
    "parse_input",
    "report",
]

_SEP = re.compile(r"\s*[x×,]\s*")


def parse_input(text: str, net: Network) -> Shape:
    """'3x224x224' or '3xHxW' -> a shape with as many dims as the spec's input."""
    parts = [p for p in _SEP.split(text.strip()) if p]
    # ASCII digits only ('²'.isdigit() is true), and no more of them than a spec may write
    numbers = [int(p) if p.isascii() and p.isdigit() and len(p) <= 100 else p for p in parts]
    dims = [parse_dim(p, net.symbols) for p in numbers]
    if any(d is None for d in dims) or not dims:
        raise UsageError(f"--input {text!r}: write sizes like 3x224x224 (or symbols: 3xHxW)")
    if len(dims) != len(net.input_shape):
        layout = "×".join(net.input_names)
        raise UsageError(f"--input {text!r} has {len(dims)} dims; {net.file} takes {layout}")
    return tuple(d for d in dims if d is not None)


def generate(report: Report, target: str = "torch", line_length: int = 88) -> Generated:
    """Generated source for a checked report ('torch'; see cnncalc.codegen for the backends).

    Imported lazily: the codegen package stays off the `params` path."""
    from cnncalc.codegen import generate as _generate

    return _generate(report, target, line_length)


def report(path: str | Path, input_text: str | None = None) -> Report:
    net = load(path)
    return analyze(net, parse_input(input_text, net) if input_text else None)
