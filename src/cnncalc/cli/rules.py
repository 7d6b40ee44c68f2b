"""cnncalc rules [CODE]: list the lint rules, or explain one (from the rule's own metadata)."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc.cli.common import fail
from cnncalc.errors import ExitCode


def rules(
    code: Annotated[
        str | None,
        typer.Argument(help="a code (W201, E102) or rule name to explain", show_default=False),
    ] = None,
    markdown: Annotated[bool, typer.Option("--markdown", help="print docs/lint.md")] = False,
) -> None:
    """List the lint rules, or explain one: what it catches, why, a bad and a good example."""
    from cnncalc.lint import docs, registry

    if markdown:
        print(docs.markdown(), end="")
    elif code is None:
        print(docs.table(), end="")
    else:
        found = registry.find(code)
        if found is None:
            fail(
                f"cnncalc rules: no rule {code!r}{registry.suggest(code)} "
                "(cnncalc rules lists them)",
                ExitCode.USAGE,
            )
        print(docs.explain(*found), end="")
