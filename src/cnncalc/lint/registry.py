"""The registry of rule codes: one module per rule in lint/rules/, listed here (as ruff's
codes.rs). Codes are stable; a retired code is never reused."""

from __future__ import annotations

import difflib
import importlib
from functools import cache

from cnncalc.lint.rule import Rule
from cnncalc.lint.rules.spec_error import CORE_CODES

RULE_MODULES = (
    "spec_error",  # E0xx/E1xx: the core's errors
    "window_drops_input",  # W201
    "spatial_collapse",  # W202
    "kernel_padding",  # W203
    "merge_mismatch",  # W204
    "linear_not_flat",  # W205
    "unused_output",  # W206
    "shadowed_name",  # W207
    "budget",  # B301
    "expectation",  # X401
)


@cache
def rules() -> tuple[type[Rule], ...]:
    """Every rule class, in code order; each module defines exactly one."""
    found: list[type[Rule]] = []
    for name in RULE_MODULES:
        mod = importlib.import_module(f"cnncalc.lint.rules.{name}")
        mine = [
            v
            for v in vars(mod).values()
            if isinstance(v, type)
            and issubclass(v, Rule)
            and v is not Rule
            and v.__module__ == mod.__name__
        ]
        if len(mine) != 1:
            raise RuntimeError(f"lint/rules/{name}.py must define one Rule, found {len(mine)}")
        found.append(mine[0])
    for attr in ("code", "name"):
        seen = [getattr(r, attr) for r in found]
        if len(set(seen)) != len(seen):
            raise RuntimeError(f"duplicate rule {attr}s: {seen}")
    return tuple(found)  # in RULE_MODULES order: E, W, B, X


def spec_rule() -> type[Rule]:
    return next(r for r in rules() if r.name == "spec-error")


def rule_for(code: str) -> type[Rule] | None:
    """The rule that reports a finding code (core codes belong to spec-error)."""
    if code in CORE_CODES:
        return spec_rule()
    return next((r for r in rules() if r.code == code), None)


def find(key: str) -> tuple[type[Rule], str] | None:
    """A rule by code, name or core code -> (rule, the core code or '')."""
    if key in CORE_CODES:
        return spec_rule(), key
    for r in rules():
        if key in (r.code, r.name):
            return r, ""
    return None


def known_selector(entry: str) -> bool:
    """Whether a select/ignore entry names something: ALL, a rule name, or a code prefix."""
    codes = [r.code for r in rules()] + list(CORE_CODES)
    return (
        entry == "ALL"
        or any(entry == r.name for r in rules())
        or any(c.startswith(entry) for c in codes)
    )


def selectors_help() -> str:
    """What select/ignore entries may be, for messages: every code span and rule name."""
    codes = sorted([r.code for r in rules() if r.name != "spec-error"] + list(CORE_CODES))
    spans: dict[str, list[str]] = {}
    for c in codes:
        spans.setdefault(c[0], []).append(c)
    ranges = ", ".join(v[0] if len(v) == 1 else f"{v[0]}-{v[-1]}" for v in spans.values())
    names = ", ".join(r.name for r in rules())
    return f"ALL, a code or a prefix of one ({ranges}; e.g. W2), or a rule name ({names})"


def suggest(entry: str) -> str:
    words = [r.code for r in rules()] + [r.name for r in rules()] + list(CORE_CODES)
    close = difflib.get_close_matches(entry, words, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""
