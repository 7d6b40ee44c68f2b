"""Budgets on a change, for `cnncalc diff --fail-on` (docs/diff.md):

    params>+5%      the parameters grow by more than 5 % of the old count
    macs>+100M      the MACs grow by more than 100,000,000
    layers>+0       any layer more (net)
    memory<-10%     the saved bytes shrink by more than 10 % (a budget may bound either way)
    params>12M      the new network has more than 12,000,000 parameters (a level, as lint's)

A signed amount is a change, a percentage is a change relative to the old figure, an
unsigned amount is a level the new figure may not pass. Amounts take lint's units: k, M, G,
T (×1000), Ki, Mi, Gi, Ti (×1024), a trailing B for bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from cnncalc.analysis.diff import TOTALS, Diff
from cnncalc.errors import UsageError, printable

_SCALE = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
_SCALE |= {"Ki": 2**10, "ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
_BUDGET = re.compile(
    r"\s*(?P<figure>[a-z]+)\s*(?P<op>[<>])\s*(?P<sign>[+-])?\s*"
    r"(?P<n>[0-9]{1,40}(?:\.[0-9]{1,40})?)\s*(?:(?P<pct>%)|(?P<unit>[kKMGT]i?)?B?)\s*\Z"
)
EXAMPLE = "write budgets like params>+5%, macs>+100M, layers>+0 or params>12M"


@dataclass(frozen=True, slots=True)
class Budget:
    text: str  # as written
    figure: str  # one of TOTALS
    op: Literal[">", "<"]
    amount: Fraction  # signed for a change; a percentage when `relative`
    change: bool  # a change (signed or %), else a level of the new figure
    relative: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    budget: Budget
    broken: bool
    message: str  # one line: the figure, its change, and the bound


def parse(text: str) -> Budget:
    m = _BUDGET.match(text)
    shown = printable(text)
    if m is None:
        raise UsageError(f"--fail-on {shown!r}: {EXAMPLE}")
    figure = m["figure"]
    if figure not in TOTALS:
        raise UsageError(f"--fail-on {shown!r}: budgets bound {', '.join(TOTALS)}")
    if m["pct"] and not m["sign"]:
        raise UsageError(f"--fail-on {shown!r}: a percentage is a change; write +5% or -5%")
    amount = Fraction(m["n"]) * _SCALE[m["unit"] or ""]
    if not m["pct"] and amount.denominator != 1:
        raise UsageError(f"--fail-on {shown!r}: the amount must come to a whole number")
    if m["sign"] == "-":
        amount = -amount
    op: Literal[">", "<"] = ">" if m["op"] == ">" else "<"
    return Budget(text.strip(), figure, op, amount, bool(m["sign"]), bool(m["pct"]))


def parse_all(texts: list[str]) -> list[Budget]:
    """Each --fail-on value may hold several budgets separated by commas."""
    return [parse(t) for text in texts for t in text.split(",")]


def _count(n: int | Fraction, sign: bool = False) -> str:
    if isinstance(n, Fraction) and n.denominator != 1:
        return f"{float(n):+.4g}" if sign else f"{float(n):.4g}"
    return f"{int(n):+,}" if sign else f"{int(n):,}"


def percent_text(p: Fraction) -> str:
    """+5.19%, -0.5%, +0%: two decimals at most, rounded half away from zero."""
    hundredths = (abs(p) * 100 + Fraction(1, 2)).__floor__()
    whole, frac = divmod(hundredths, 100)
    digits = f"{whole:,}" + (f".{frac:02d}".rstrip("0") if frac else "")
    return ("-" if p < 0 else "+") + digits + "%"


def check(budget: Budget, diff: Diff) -> Verdict:
    fig = diff.total(budget.figure)
    name, bound = budget.figure, budget.text
    old, new = fig.old, fig.new
    if not isinstance(old, int) or not isinstance(new, int):
        if old is None or new is None:
            why = next(iter(diff.memory_notes.values()), "not computed")
            return Verdict(budget, True, f"{bound}: {name} cannot be checked: {why}")
        return Verdict(budget, True, f"{bound}: {name} is symbolic; give --input sizes to check it")
    delta = new - old
    seen = f"{name} {old:,} → {new:,} ({delta:+,}"
    if old:
        seen += f", {percent_text(Fraction(100 * delta, old))}"
    seen += ")"
    if not budget.change:
        value: Fraction = Fraction(new)
        limit = f"{_count(budget.amount)}"
    elif budget.relative:
        # from nothing, any growth is beyond every percentage
        value = Fraction(100 * delta, old) if old else Fraction(delta) * 10**30
        limit = percent_text(budget.amount)
    else:
        value = Fraction(delta)
        limit = _count(budget.amount, sign=True)
    broken = value > budget.amount if budget.op == ">" else value < budget.amount
    verb = "" if not broken else " is more than" if budget.op == ">" else " is less than"
    if not broken:
        return Verdict(budget, False, f"{bound}: ok, {seen}")
    what = "the change" if budget.change else "the new figure"
    return Verdict(budget, True, f"{bound}: broken, {seen}: {what}{verb} {limit}")
