"""cnncalc types [TYPE]: the layer types a spec may use, and one type's fields."""

from __future__ import annotations

from typing import Annotated

import typer

from cnncalc.cli.common import fail, writing
from cnncalc.errors import ExitCode


def types(
    name: Annotated[
        str | None, typer.Argument(help="a layer type to describe", show_default=False)
    ] = None,
) -> None:
    """List the layer types (torch.nn names in lower case), or one type's fields."""
    text = _describe(name)
    with writing():  # a failed write is one line, not a bug
        print(text, end="")


def _describe(name: str | None) -> str:
    """The listing, or one type's fields, as text (the command prints it)."""
    from cnncalc.layers import registry

    table = registry.types()
    lines: list[str] = []
    if name is None:
        by_class: dict[str, list[str]] = {}
        for cls, canonical in table.values():
            by_class.setdefault(cls.__name__, [])
            if canonical not in by_class[cls.__name__]:
                by_class[cls.__name__].append(canonical)
        for names in sorted(by_class.values()):
            lines.append(", ".join(sorted(names)))
        return "".join(f"{line}\n" for line in lines)
    found = registry.lookup(name)
    if found is None:
        hint = registry.suggest(name, registry.canonical_names())
        fail(
            f"cnncalc: unknown layer type {name!r}" + (f"; {hint}" if hint else ""), ExitCode.USAGE
        )
    cls, canonical = found
    import importlib

    doc = cls.__doc__ or importlib.import_module(cls.__module__).__doc__ or ""
    lines.append(f"{canonical}: {' '.join(doc.split())}")
    for field, info in cls.model_fields.items():
        if field in ("type",):
            continue
        key = info.alias or field
        default = (
            "required"
            if info.is_required()
            else f"default {info.get_default(call_default_factory=True)!r}"
        )
        desc = f" — {info.description}" if info.description else ""
        lines.append(f"  {key}: {default}{desc}")
    return "".join(f"{line}\n" for line in lines)
