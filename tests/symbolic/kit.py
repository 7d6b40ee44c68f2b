"""Shared by the symbolic tests: the zoo, symbolic inputs for a spec, and the comparison of a
symbolic report with the concrete engine's at one assignment of the symbols."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cnncalc.analysis.engine import Report, analyze
from cnncalc.errors import SpecError
from cnncalc.layers.base import Shape
from cnncalc.spec.network import Network
from cnncalc.sym import Dim, Symbol, evaluate

ROOT = Path(__file__).resolve().parents[2]
ZOO = sorted((ROOT / "specs").glob("*.yaml"))
NAMES = {"length": "L", "depth": "D", "height": "H", "width": "W"}
COUNTS = ("trainable", "fixed", "buffers", "connections", "macs")


def spatial(net: Network) -> dict[str, int]:
    """The spec's spatial input sizes by variable name (H, W, …) -> their index in the shape."""
    return {NAMES[k]: i for i, k in enumerate(net.input_names) if k in NAMES}


def with_sizes(net: Network, values: Mapping[str, Dim]) -> Shape:
    x = list(net.input_shape)
    for name, i in spatial(net).items():
        if name in values:
            x[i] = values[name]
    return tuple(x)


def symbolic(
    net: Network, low: Mapping[str, int], high: Mapping[str, int | None] | None = None
) -> Report:
    """The report with each spatial size a symbol from low[name] (to high[name])."""
    syms = {n: Symbol(n, low[n], (high or {}).get(n)) for n in spatial(net)}
    return analyze(net, with_sizes(net, syms))


def agrees(sym: Report, net: Network, env: Mapping[str, int]) -> bool:
    """Evaluated at env, every symbolic figure is the concrete engine's (False: the concrete
    engine refuses that size, which the caller decides about)."""
    try:
        conc = analyze(net, with_sizes(net, env))
    except SpecError:
        return False

    def ev(d: Dim) -> int:
        return evaluate(d, env)

    assert [s.name for s in sym.layers] == [s.name for s in conc.layers]
    for s, c in zip(sym.layers, conc.layers, strict=True):
        assert tuple(ev(d) for d in s.output_shape) == c.output_shape, (s.name, env)
        assert ev(s.output_elements) == c.output_elements, (s.name, env)
        for f in COUNTS:
            assert ev(getattr(s.counts, f)) == getattr(c.counts, f), (s.name, f, env)
    for f in COUNTS:
        assert ev(getattr(sym.totals, f)) == getattr(conc.totals, f), (f, env)
    assert ev(sym.activation_elements) == conc.activation_elements, env
    assert [tuple(ev(d) for d in o) for o in sym.outputs] == list(conc.outputs), env
    return True
