"""cnncalc lint PATH...: check spec files against the lint rules (docs/lint.md).

Exit codes: 0 no finding at or above --fail-on, 1 some, 2 usage error (bad path, flag or config).
A file named that is not a spec is a finding; when no spec is found at all the run says so
and exits 0, as ruff does with no files to check."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from cnncalc.cli.common import fail, guarded, writing
from cnncalc.cli.typer_options import SetOpt
from cnncalc.errors import ExitCode, printable
from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.formats import LintFormat, default_format


def lint(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="spec files, folders (their *.yaml, *.yml) or globs; - reads a spec from stdin",
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        LintFormat | None,
        typer.Option(
            "--format",
            "-f",
            help="text, json, github or sarif [default: github under GitHub Actions, else text]",
            show_default=False,
        ),
    ] = None,
    fail_on: Annotated[
        Severity | None,
        typer.Option(
            "--fail-on",
            help="lowest severity that makes the exit code 1 [default: error]",
            show_default=False,
        ),
    ] = None,
    select: Annotated[
        str | None,
        typer.Option(
            "--select",
            help="codes, prefixes or rule names, comma-separated (replaces the config's select)",
            show_default=False,
        ),
    ] = None,
    ignore: Annotated[
        str | None,
        typer.Option(
            "--ignore",
            help="codes, prefixes or rule names to skip, comma-separated (added to the config's)",
            show_default=False,
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", help="a .cnncalc.yaml or pyproject.toml to use", show_default=False
        ),
    ] = None,
    isolated: Annotated[
        bool, typer.Option("--isolated", help="ignore configuration files")
    ] = False,
    skip_non_specs: Annotated[
        bool,
        typer.Option(
            "--skip-non-specs",
            help="skip named YAML files that are plainly not specs, as a folder walk does "
            "(for pre-commit, which names every YAML file)",
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="list the files skipped, and why")
    ] = False,
    color: Annotated[
        bool | None,
        typer.Option(
            "--color/--no-color",
            help="color text output [default: on a terminal]",
            show_default=False,
        ),
    ] = None,
    sets: SetOpt = None,
) -> None:
    """Lint spec files: every spec error, plus rules with codes (cnncalc rules lists them)."""
    if not paths:
        fail(
            "cnncalc lint: give spec files, folders or globs (e.g. cnncalc lint specs/)",
            ExitCode.USAGE,
        )
    from cnncalc.lint import Config, discover, lint_paths, load_config
    from cnncalc.lint.config import from_mapping

    def run() -> tuple[str, bool, bool]:
        cfg = Config() if isolated else load_config(config) if config else discover()
        overrides: dict[str, object] = {}
        if select is not None:
            overrides["select"] = select
        if ignore is not None:
            overrides["ignore"] = ignore
        if overrides:  # validated as config is, then merged
            extra = from_mapping(overrides, lambda keys: f"--{keys[0]}", cfg.root, "")
            cfg.select = extra.select if select is not None else cfg.select
            cfg.ignore = (*cfg.ignore, *extra.ignore)
        from cnncalc.spec.args import parse_sets

        result = lint_paths(paths, cfg, skip_non_specs, parse_sets(sets) if sets else None)
        fmt = format or default_format()
        if fmt is LintFormat.json:
            from cnncalc.lint.formats.json import render as json_render

            text = json_render(result)
        elif fmt is LintFormat.github:
            from cnncalc.lint.formats.github import render as gh_render

            text = gh_render(result)
        elif fmt is LintFormat.sarif:
            from cnncalc.lint.formats.sarif import render as sarif_render

            text = sarif_render(result)
        else:
            from cnncalc.lint.formats.text import render as text_render

            use_color = color if color is not None else _auto_color()
            text = text_render(result, use_color, verbose)
        quiet = fmt is LintFormat.text or bool(result.files)
        return text, result.failed(fail_on or cfg.fail_on), quiet

    text, failed, quiet = guarded(run)
    if not quiet:  # the text summary says it; other formats keep stdout for machines
        where = printable(" ".join(paths))
        sys.stderr.write(f"cnncalc lint: warning: no specs found in {where}\n")
    with writing():
        sys.stdout.write(text)
    if failed:
        raise typer.Exit(int(ExitCode.INVALID))


def _auto_color() -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or sys.stdout.isatty()
