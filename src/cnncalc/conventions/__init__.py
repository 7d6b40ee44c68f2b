"""Peer tools' ways of counting a network's operations, each one module with its rules
written out (docs/conventions.md), computed from cnncalc's per-layer facts: the counts and
the calls each layer's generated torch code makes (`Layer.ops`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.conventions import (
    calflops,
    cnncalc,
    fvcore,
    ptflops,
    thop,
    torch_flop_counter,
    torchinfo,
)
from cnncalc.conventions.base import Convention, Seen, seen
from cnncalc.sym import Dim

CONVENTIONS: tuple[Convention, ...] = (
    cnncalc.MACS,
    cnncalc.FLOPS,
    torch_flop_counter.CONVENTION,
    fvcore.CONVENTION,
    ptflops.PYTORCH,
    ptflops.ATEN,
    thop.CONVENTION,
    torchinfo.CONVENTION,
    calflops.CONVENTION,
)
BY_NAME = {c.name: c for c in CONVENTIONS}


@dataclass(frozen=True, slots=True)
class Tally:
    """One convention over a network: per layer (None: the layer's ops are not declared),
    its total over the counted layers, and its flags (known miscounts, layers left out)."""

    convention: Convention
    layers: tuple[Dim | None, ...]
    total: Dim
    flags: tuple[str, ...]
    missing: tuple[str, ...]  # kinds whose ops are not declared


def tally(report: Report, convention: Convention, views: list[Seen] | None = None) -> Tally:
    views = views if views is not None else [seen(s) for s in report.layers]
    figures = tuple(convention.count(v) for v in views)
    total: Dim = 0
    for f in figures:
        total = total + (f or 0)
    flags = tuple(
        flag for v in views if v.ops is not None and (flag := convention.flag(v)) is not None
    )
    missing = tuple(
        dict.fromkeys(v.stats.type for v, f in zip(views, figures, strict=True) if f is None)
    )
    return Tally(convention, figures, total, flags, missing)


def tallies(report: Report) -> list[Tally]:
    views = [seen(s) for s in report.layers]
    return [tally(report, c, views) for c in CONVENTIONS]


@dataclass(frozen=True, slots=True)
class PeerStats(LayerStats):
    """A report row with its count under one convention (`cnncalc params --convention`)."""

    peer: Dim | None = None


def with_convention(report: Report, name: str) -> Report:
    """The report with each row's count under the convention `name`; UsageError for a name
    that is none."""
    convention = BY_NAME.get(name)
    if convention is None:
        from cnncalc.errors import UsageError

        raise UsageError(f"no convention {name!r}; the conventions: {', '.join(BY_NAME)}")
    t = tally(report, convention)
    rows: list[LayerStats] = [
        PeerStats(s.node, s.input_shapes, s.output_shape, s.counts, f)
        for s, f in zip(report.layers, t.layers, strict=True)
    ]
    return replace(report, layers=rows)
