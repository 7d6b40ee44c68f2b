"""typer's declarations, built from cli/options.py's table (which imports without typer, for
cli/fast.py): the spec argument, one `Annotated` parameter per option, and `report_command`,
which gives a report command the signature typer reads."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from cnncalc.cli.options import ASCII, INPUT, REPORTS, SET, Opt

SpecArg = Annotated[
    Path,
    typer.Argument(
        help="the network spec (YAML; - reads it from stdin)", show_default=False, metavar="SPEC"
    ),
]


def option(opt: Opt) -> Any:
    """typer's declaration of `opt`, for `Annotated[T, option(opt)]`."""
    return typer.Option(*opt.names, help=opt.help, show_default=opt.show_default)


def annotated(opt: Opt) -> Any:
    """`Annotated[T, typer.Option(...)]` for `opt` (T | None where its default is None)."""
    return Annotated[opt.type if opt.default is not None else opt.type | None, option(opt)]


# the options other commands share, with their types spelt for mypy (typer reads them too)
InputOpt = Annotated[str | None, option(INPUT)]
AsciiOpt = Annotated[bool, option(ASCII)]
SetOpt = Annotated[list[str] | None, option(SET)]


def report_command(body: Callable[..., None]) -> Callable[..., None]:
    """The command `body.__name__` (shapes, params) as typer sees it: the spec, then REPORTS'
    options as parameters. `body` gets the spec's text and emit's keywords."""
    options = REPORTS[body.__name__]

    @functools.wraps(body)
    def command(spec: Path, **given: Any) -> None:
        body(str(spec), **{o.keyword: given[o.param] for o in options})

    hints = {"spec": SpecArg, **{o.param: annotated(o) for o in options}}
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter("spec", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=SpecArg)]
        + [
            inspect.Parameter(
                o.param,
                inspect.Parameter.KEYWORD_ONLY,
                default=o.default,
                annotation=hints[o.param],
            )
            for o in options
        ]
    )
    command.__annotations__ = {**hints, "return": None}
    return command
