"""cnncalc: shapes, parameters, connections and MACs of convolutional networks from YAML specs.

    import cnncalc
    report = cnncalc.analyze("specs/lenet5.yaml")   # a path, YAML text or cnncalc.load(...)
    report.totals.trainable, report.to_json(), report.draw()

The API (docs/api.md) is cnncalc.api's, imported on first use (PEP 562): `import cnncalc`
alone stays cheap, and the `params` command line never pays for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from cnncalc.api import (
        CnncalcError,
        Counts,
        Diagram,
        LayerStats,
        Network,
        Problem,
        Report,
        SpecError,
        UsageError,
        analyze,
        generate,
        load,
        loads,
        parse_input,
    )

__all__ = [
    "CnncalcError",
    "Counts",
    "Diagram",
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
]


def __getattr__(name: str) -> object:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from cnncalc import api

    found: object = getattr(api, name)
    globals()[name] = found  # asked once
    return found


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
