"""The typer app: one module per command, each thin over cnncalc.api.

Exit codes: 0 valid, 1 invalid spec (or lint findings), 2 usage error."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc.cli.codegen import codegen_app
from cnncalc.cli.common import HELP
from cnncalc.cli.diff import diff
from cnncalc.cli.draw import draw
from cnncalc.cli.flops import flops
from cnncalc.cli.lint import lint
from cnncalc.cli.memory import memory
from cnncalc.cli.page import report
from cnncalc.cli.params import params
from cnncalc.cli.rules import rules
from cnncalc.cli.schema import schema
from cnncalc.cli.shapes import shapes
from cnncalc.cli.sizes import sizes
from cnncalc.cli.sweep import sweep
from cnncalc.cli.types import types

app = typer.Typer(
    name="cnncalc",
    help="Shapes, parameters, connections and MACs of convolutional networks from YAML specs.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=HELP,
)


def _version(value: bool) -> None:
    if value:
        from cnncalc import __version__

        print(f"cnncalc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool | None,
        typer.Option(
            "--version", help="print the version and exit", is_eager=True, callback=_version
        ),
    ] = None,
) -> None:
    """Options before the command (--version); the app's help text is Typer(help=...)."""


app.command()(shapes)
app.command()(params)
app.command()(lint)
app.command()(rules)
app.command()(schema)
app.command()(types)
app.command()(sizes)
app.command()(memory)
app.command()(diff)
app.command()(report)
app.command()(draw)
app.command()(sweep)
app.command()(flops)
app.add_typer(codegen_app)  # cnncalc codegen torch SPEC


def main() -> None:
    from cnncalc.cli.common import run_app, tolerant_stdout

    tolerant_stdout()
    run_app(app)  # rendering runs outside each command's guarded(): no traceback from it either
