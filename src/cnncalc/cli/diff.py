"""cnncalc diff OLD NEW: what a change does to a network, for review (docs/diff.md).

Exit codes: 0 no --fail-on budget broken (differences alone never fail), 1 a budget broken
(one line each on stderr) or a spec invalid on either side, 2 usage error (a bad budget, an
unknown revision, not a git repository)."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from typing import Annotated

import typer

from cnncalc.cli.common import guarded, writing
from cnncalc.cli.typer_options import InputOpt
from cnncalc.errors import ExitCode, printable


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    github = "github"
    json = "json"


def default_format() -> DiffFormat:
    """github under GitHub Actions (annotations on the pull request), as lint does."""
    return DiffFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else DiffFormat.text


def diff(
    old: Annotated[
        str,
        typer.Argument(
            help="the old spec: a file, - (stdin) or PATH@REV (e.g. specs/net.yaml@HEAD~1)",
            show_default=False,
        ),
    ],
    new: Annotated[
        str,
        typer.Argument(help="the new spec, named as OLD is", show_default=False),
    ],
    format: Annotated[
        DiffFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text, markdown, github or json [default: github under GitHub Actions, else text]",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        list[str] | None,
        typer.Option(
            "--fail-on",
            help="a budget such as 'params>+5%', 'macs>+1G', 'layers>+0' or 'params>12M' "
            "(repeat, or separate with commas); exit 1 when one is broken",
            show_default=False,
        ),
    ] = None,
    input: InputOpt = None,
) -> None:
    """Compare two specs: layers added, removed and changed, and the totals' deltas."""
    from cnncalc.analysis.diff_budget import check, parse_all
    from cnncalc.api import diff as compare

    def run() -> tuple[str, list[str]]:
        budgets = parse_all(fail_on or [])
        d = compare(old, new, input)
        verdicts = [check(b, d) for b in budgets]
        fmt = format or default_format()
        if fmt is DiffFormat.json:
            from cnncalc.render.diff.json import render as json_render

            text = json_render(d, verdicts) + "\n"
        elif fmt is DiffFormat.markdown:
            from cnncalc.render.diff.markdown import render as md_render

            text = md_render(d, verdicts)
        elif fmt is DiffFormat.github:
            from cnncalc.render.diff.github import render as gh_render

            text = gh_render(d, verdicts)
        else:
            from cnncalc.render.diff.text import render as text_render

            text = text_render(d)
        return text, [v.message for v in verdicts if v.broken]

    text, broken = guarded(run)
    with writing():
        sys.stdout.write(text)
    if broken:
        for line in broken:
            sys.stderr.write(f"cnncalc diff: budget {printable(line)}\n")
        raise typer.Exit(int(ExitCode.INVALID))
