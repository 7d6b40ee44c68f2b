"""cnncalc rules [CODE]: list the lint rules, or explain one (from the rule's own metadata)."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc.cli.common import fail, writing
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
        text = docs.markdown()
    elif code is None:
        text = docs.table()
    else:
        found = registry.find(code)
        if found is None:
            fail(
                f"cnncalc rules: no rule {code!r}{registry.suggest(code)} "
                "(cnncalc rules lists them)",
                ExitCode.USAGE,
            )
        text = docs.explain(*found)
    with writing():  # a failed write is one line, not a bug
        print(text, end="")
