"""Fitting the report table to a page without cutting a figure.

rich shrinks a table wider than the terminal by cropping cells with "…" (`25,557,…`). Here a
figure is never cut: where the table is too wide, names and types wrap (fold) down to a floor,
formulas wrap at their spaces, and where even that does not fit the columns are split over
several tables, each led by the layer names. Plain data in, widths out; render/table.py
hands them to rich.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

NAME_FLOOR = 10  # a wrapping column (names, types) is never made narrower than this
SHORT = 24  # most names and figures are this wide or less


@dataclass(frozen=True, slots=True)
class Part:
    """One table of the layout: its columns (indices), and their widths (None: as they come)."""

    columns: tuple[int, ...]
    widths: tuple[int, ...] | None = None


def overhead(n: int) -> int:
    """Characters a table of n columns adds to its cells: one space each side, n + 1 bars."""
    return 3 * n + 1


def plan(
    columns: Sequence[Sequence[str]],
    wraps: Sequence[bool],
    page: int,
    measure: Callable[[str], int] = len,
) -> list[Part]:
    """columns[j] is column j's header then its cells; wraps[j]: may fold anywhere (names).
    Column 0 (the layer names) leads every part."""
    natural = [max(measure(c) for c in col) for col in columns]
    if sum(natural) + overhead(len(columns)) <= page:
        return [Part(tuple(range(len(columns))))]

    def longest_word(s: str) -> int:
        return max((measure(w) for w in s.split(" ")), default=0)

    least = []
    for j, col in enumerate(columns):
        head = longest_word(col[0])
        body = min(natural[j], NAME_FLOOR) if wraps[j] else max(longest_word(c) for c in col[1:])
        least.append(min(natural[j], max(head, body)))

    def fits(part: list[int]) -> bool:
        return sum(least[j] for j in part) + overhead(len(part)) <= page

    parts: list[list[int]] = [[0]]
    for j in range(1, len(columns)):
        if fits([*parts[-1], j]) or len(parts[-1]) == 1:
            parts[-1].append(j)
        else:
            parts.append([0, j])
    out = []
    for part in parts:
        widths = {j: least[j] for j in part}
        spare = page - overhead(len(part)) - sum(widths.values())
        # what is left goes to the names, then the figures, then the types: first up to a
        # width that holds most of them whole, then up to their full width
        order = sorted(part, key=lambda j: (j != 0, wraps[j]))
        for cap in (SHORT, max(natural)):
            for j in order:
                more = max(0, min(spare, min(natural[j], cap) - widths[j]))
                widths[j] += more
                spare -= more
        out.append(Part(tuple(part), tuple(widths[j] for j in part)))
    return out
