"""The library API under the CLI: load a spec, analyze it, render the report.

net = load("specs/lenet5.yaml")
report = analyze(net)                      # or analyze(net, parse_input("1x28x28", net))
report.totals.trainable                    # 60000
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cnncalc.analysis.engine import LayerStats, Report, analyze
from cnncalc.errors import CnncalcError, Problem, SpecError, UsageError
from cnncalc.layers.base import Counts, Shape
from cnncalc.spec.args import parse_sets
from cnncalc.spec.load import load, loads, parse_dim
from cnncalc.spec.network import Network

if TYPE_CHECKING:
    from cnncalc.codegen import generate

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
    "parse_sets",
    "parse_symbols",
    "report",
]

_SEP = re.compile(r"\s*[x×,]\s*")


Bounds = dict[str, tuple[int | None, int | None]]
# one bound: H>=32, H<=4096 or 32<=H<=4096 (≥ and ≤ too)
_BOUND = re.compile(
    r"(?:(?P<lo>\d{1,100})\s*(?:<=|≤)\s*)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"\s*(?:(?P<op>>=|≥|<=|≤)\s*(?P<n>\d{1,100}))?\Z"
)
_BOUND_HELP = "write bounds like H>=32, W<=4096 or 32<=H<=4096, separated by commas"


def parse_symbols(text: str) -> Bounds:
    """'H>=32, 32<=W<=4096' -> {'H': (32, None), 'W': (32, 4096)}: the sides given, per name."""
    out: Bounds = {}
    items = [i.strip() for i in re.split(r"[,;]", text) if i.strip()]
    if not items:
        raise UsageError(f"--symbols {text!r}: {_BOUND_HELP}")
    for item in items:
        m = _BOUND.match(item)
        chained = m is not None and m["lo"] is not None
        if m is None or (not chained and m["op"] is None) or (chained and m["op"] in (">=", "≥")):
            raise UsageError(f"--symbols {text!r}: cannot read {item!r}; {_BOUND_HELP}")
        lo, hi = out.get(m["name"], (None, None))
        if m["lo"] is not None:
            lo = int(m["lo"])
        if m["op"] is not None:
            if m["op"] in (">=", "≥"):
                lo = int(m["n"])
            else:
                hi = int(m["n"])
        out[m["name"]] = (lo, hi)
    return out


def _bounded(net: Network, bounds: Bounds, used: set[str]) -> dict[str, tuple[int, int | None]]:
    """The spec's symbols: bounds with the command line's sides laid over them."""
    if not used:
        raise UsageError("--symbols: the input has no symbols to bound; give --input 3xHxW")
    symbols = dict(net.symbols)
    for name, (lo, hi) in bounds.items():
        if name not in used:
            have = ", ".join(sorted(used))
            raise UsageError(f"--symbols: {name!r} is not a symbol of the input; it has {have}")
        old_lo, old_hi = symbols.get(name, (1, None))
        lo, hi = old_lo if lo is None else lo, old_hi if hi is None else hi
        if lo < 1:
            raise UsageError(f"--symbols: {name} >= {lo}: a size is at least 1")
        if hi is not None and hi < lo:
            raise UsageError(f"--symbols: {name} >= {lo} and <= {hi}: no size is both")
        symbols[name] = (lo, hi)
    return symbols


def parse_input(text: str, net: Network, bounds: Bounds | None = None) -> Shape:
    """'3x224x224' or '3xHxW' -> a shape with as many dims as the spec's input. `bounds`
    (parse_symbols) narrow its symbols, over any the spec's `symbols:` gives."""
    parts = [p for p in _SEP.split(text.strip()) if p]
    # ASCII digits only ('²'.isdigit() is true), and no more of them than a spec may write
    numbers = [int(p) if p.isascii() and p.isdigit() and len(p) <= 100 else p for p in parts]
    symbols = net.symbols
    if bounds:
        symbols = _bounded(net, bounds, {p for p in numbers if isinstance(p, str)})
    dims = [parse_dim(p, symbols) for p in numbers]
    if any(d is None for d in dims) or not dims:
        raise UsageError(f"--input {text!r}: write sizes like 3x224x224 (or symbols: 3xHxW)")
    if len(dims) != len(net.input_shape):
        layout = "×".join(net.input_names)
        raise UsageError(f"--input {text!r} has {len(dims)} dims; {net.file} takes {layout}")
    return tuple(d for d in dims if d is not None)


def spec_input(net: Network) -> str:
    """The spec's own input as --input text ('3xHxW'), for laying --symbols over it."""
    from cnncalc.sym import render

    return "x".join(str(d) if isinstance(d, int) else render(d) for d in net.input_shape)


def report(
    path: str | Path,
    input_text: str | None = None,
    symbols_text: str | None = None,
    sets: Sequence[str] | None = None,
) -> Report:
    """Load and analyze; `input_text` ('3xHxW') replaces the spec's input, `symbols_text`
    ('H>=32') bounds the input's symbols (parse_symbols), `sets` (['width=0.75']) set the
    spec's arguments (spec/args.py)."""
    net = load(path, parse_sets(sets) if sets else None)
    if symbols_text is not None:
        bounds = parse_symbols(symbols_text)
        return analyze(net, parse_input(input_text or spec_input(net), net, bounds))
    return analyze(net, parse_input(input_text, net) if input_text else None)


def __getattr__(name: str) -> object:
    """`generate` is cnncalc.codegen's, imported when first asked for (PEP 562): code
    generation stays off the `params` path."""
    if name == "generate":
        from cnncalc.codegen import generate

        return generate
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
