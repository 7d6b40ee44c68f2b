"""Type name -> layer model. Adding a layer kind = adding a module to LAYER_MODULES."""

from __future__ import annotations

import difflib
import importlib
from functools import cache
from typing import Any

from cnncalc.layers.base import Layer

# One module per layer kind; each defines Layer subclasses with TYPES.
LAYER_MODULES = (
    "activations",
    "adaptive_pool",
    "channel_shuffle",
    "conv",
    "conv_transpose",
    "dropout",
    "flatten",
    "identity",
    "linear",
    "merge",
    "norm_batch",
    "norm_group",
    "norm_layer",
    "pad",
    "pool",
    "rbf",
    "reshape",
    "split",
    "stochastic_depth",
    "subsample",
    "upsample",
)


def normalize(type_name: str) -> str:
    """Spelling-insensitive key: 'max_pool2d', 'MaxPool2d' and 'maxpool2d' are one type."""
    return type_name.replace("_", "").replace("-", "").lower()


def _subclasses(cls: type[Layer]) -> list[type[Layer]]:
    out: list[type[Layer]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_subclasses(sub))
    return out


@cache
def types() -> dict[str, tuple[type[Layer], str]]:
    """normalized name -> (model class, canonical type name)."""
    for mod in LAYER_MODULES:
        importlib.import_module(f"cnncalc.layers.{mod}")
    table: dict[str, tuple[type[Layer], str]] = {}
    for cls in _subclasses(Layer):
        for t in cls.TYPES:
            key = normalize(t)
            if key in table and table[key][0] is not cls:
                raise RuntimeError(f"layer type {t!r} defined twice")
            table[key] = (cls, t)
    return table


def canonical_names() -> list[str]:
    return sorted({t for _, t in types().values()})


def lookup(type_name: str) -> tuple[type[Layer], str] | None:
    return types().get(normalize(type_name))


def close_matches(word: str, choices: list[str]) -> list[str]:
    return difflib.get_close_matches(word, choices, n=3, cutoff=0.6)


def suggest(word: str, choices: list[str]) -> str:
    """A 'did you mean' hint, or ''."""
    close = difflib.get_close_matches(word, choices, n=3, cutoff=0.6)
    if not close:
        low = normalize(word)
        close = [c for c in choices if normalize(c) == low or low in normalize(c)][:3]
    return f"did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def build_activation(value: object) -> Layer:
    """Validate the `activation:` shorthand: a name or a mapping with `type`."""
    from cnncalc.layers.activations import Activation

    data: dict[str, Any]
    if isinstance(value, str):
        data = {"type": value}
    elif isinstance(value, dict) and isinstance(value.get("type"), str):
        data = dict(value)
    else:
        raise ValueError("must be an activation name such as relu, or a mapping with a 'type'")
    found = lookup(data["type"])
    names = [t for c, t in types().values() if issubclass(c, Activation)]
    if found is None or not issubclass(found[0], Activation):
        hint = suggest(data["type"], names)
        raise ValueError(
            f"unknown activation {data['type']!r}"
            + (f"; {hint}" if hint else "")
            + f" (one of: {', '.join(sorted(names))})"
        )
    data["type"] = found[1]
    return found[0].model_validate(data)
