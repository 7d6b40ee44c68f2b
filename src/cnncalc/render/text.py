"""CSV and Markdown tables (plain text, no rich)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

from cnncalc.analysis.engine import Report
from cnncalc.errors import printable
from cnncalc.render.boxtable import explanations
from cnncalc.render.facts import cell, total_cell
from cnncalc.render.values import Column, header, shape_text, to_ascii

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def csv_safe(s: str, number: bool = True) -> str:
    """A cell a spreadsheet shows as text: a leading `'` where it would start a formula.

    In figure columns (`number`) a plain number stays a number (counts are never negative,
    but a receptive-field offset can be -1.5); everything else that starts like a formula (a
    name `=cmd|…` or `-2`, a symbolic figure `-H + …`) is neutralized, as OWASP recommends.
    Readers other than spreadsheets see the `'`."""
    if not s.startswith(_FORMULA_START) or (number and _NUMBER.fullmatch(s)):
        return s
    return "'" + s


def _rows(
    report: Report,
    columns: Sequence[Column],
    ascii: bool,
    totals: bool,
    plain: bool = False,
    units: str = "exact",
) -> list[list[str]]:
    rows = [[cell(s, c, ascii, plain, units) for c in columns] for s in report.layers]
    if totals:
        rows.append([total_cell(report, c, ascii, units) for c in columns])
    return rows


def csv_table(
    report: Report,
    columns: Sequence[Column],
    totals: bool,
    explain: bool = False,
    ascii: bool = False,
    units: str = "exact",
) -> str:
    """Bare integers, ASCII formulas, names as they are (UTF-8; escaped under --ascii); with
    `explain`, a last column holding each layer's arithmetic, its lines joined by '; '."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.name.lower() for c in columns] + (["explain"] if explain else []))
    rows = _rows(report, columns, True, totals, plain=True, units=units)
    if explain:
        for row, s in zip(rows, report.layers, strict=False):  # the totals row: none
            row.append("; ".join(to_ascii(line) for line in s.explain()))
        if totals:
            rows[-1].append("")
    words = [c in (Column.NAME, Column.TYPE) for c in columns] + [True]
    for row in rows:
        cells = [x.replace(",", "") if x.replace(",", "").isdigit() else x for x in row]
        cells = [csv_safe(x, number=not word) for x, word in zip(cells, words, strict=False)]
        w.writerow([to_ascii(x) for x in cells] if ascii else cells)
    return buf.getvalue()


# Markdown (CommonMark and GitHub's tables): characters that could start emphasis, a link, an
# HTML tag or entity, a code span or strikethrough, or end a table cell, are backslash-escaped
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&!#])")


def md_escape(s: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", s)


def markdown_table(
    report: Report,
    columns: Sequence[Column],
    totals: bool,
    ascii: bool = False,
    explain: bool = False,
    units: str = "exact",
) -> str:
    """A GitHub table; with `explain`, each layer's arithmetic as a list under it."""
    shape = shape_text(report.input_shape, ascii)
    top = f"**{md_escape(printable(report.name))}**, input {md_escape(shape)}"
    lines = [to_ascii(top) if ascii else top, ""]
    lines.append("| " + " | ".join(md_escape(header(c, ascii)) for c in columns) + " |")
    lines.append(
        "|"
        + "|".join("---:" if c not in (Column.NAME, Column.TYPE) else "---" for c in columns)
        + "|"
    )
    for i, row in enumerate(_rows(report, columns, ascii, totals, units=units)):
        bold = totals and i == len(report.layers)
        lines.append(
            "| "
            + " | ".join(f"**{md_escape(x)}**" if bold and x else md_escape(x) for x in row)
            + " |"
        )
    if explain:
        lines += ["", *(f"- {md_escape(line)}" for line in explanations(report, ascii))]
    return "\n".join(lines) + "\n"
