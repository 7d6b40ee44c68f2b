"""The spec format's JSON Schema, built from the pydantic layer models (`cnncalc schema`).

Each layer model becomes one variant of a union discriminated by `type` (an enum of its
TYPES). An entry whose `type` is no layer type (a block use) or that has none (a group) is
left to the loader, as are the top-level keys the loader declares without a model here
(spec/load.py TOP_KEYS: blocks, include, …): the schema never refuses a spec the loader takes,
it completes and checks what it can."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from cnncalc.layers import registry
from cnncalc.layers.activations import Activation
from cnncalc.layers.base import Expect, Layer
from cnncalc.spec.load import INPUT_KEYS, TOP_KEYS

DIALECT = "https://json-schema.org/draft/2020-12/schema"
EXPR = {
    "type": "string",
    "pattern": r"^\$",
    "description": "an expression ($planes * 4) inside blocks",
}
CONTROL = {
    "repeat": {
        "anyOf": [{"type": "integer", "minimum": 0}, EXPR],
        "description": "repeat this entry n times",
    },
    "if": {"description": "include this entry only when the expression is true"},
}
POSITIVE = {"type": "integer", "minimum": 1}
SYMBOL = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$"}
EXPRESSION = {"type": "string", "pattern": r"^\$"}  # `$resolution`: over the spec's args


def _models() -> list[tuple[type[Layer], list[str]]]:
    by_class: dict[type[Layer], list[str]] = {}
    for cls, name in registry.types().values():
        by_class.setdefault(cls, []).append(name)
    return sorted(((c, sorted(set(n))) for c, n in by_class.items()), key=lambda cn: cn[1][0])


def _layer_variant(schema: dict[str, Any], names: list[str], activations: list[str]) -> None:
    """Patch one model's schema in place: `type` as its names, `$expr` values, control keys."""
    props: dict[str, Any] = schema.setdefault("properties", {})
    for key, sub in list(props.items()):
        if key == "type":
            continue
        if key == "activation":
            sub = {
                **sub,
                "anyOf": [{"enum": activations}, {"type": "object", "required": ["type"]}],
            }
        if key == "name":
            sub = {**sub, "anyOf": [{"type": "string"}, {"type": "integer"}]}
        props[key] = {"anyOf": [_strip(sub), EXPR], **_meta(sub)}
    props["type"] = {"enum": names, "description": "the layer type"}
    props.update(CONTROL)
    schema["required"] = sorted(set(schema.get("required", [])) | {"type"})


def _meta(sub: dict[str, Any]) -> dict[str, Any]:
    return {k: sub[k] for k in ("description", "default", "title") if k in sub}


def _strip(sub: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sub.items() if k not in ("description", "default", "title")}


def spec_schema() -> dict[str, Any]:
    models = _models()
    activations = sorted(n for c, ns in models if issubclass(c, Activation) for n in ns)
    refs, top = models_json_schema(
        [(c, "validation") for c, _ in models] + [(Expect, "validation")],
        by_alias=True,
        ref_template="#/$defs/{model}",
    )
    defs: dict[str, Any] = top.get("$defs", {})
    variants: list[dict[str, Any]] = []
    mapping: dict[str, str] = {}
    for cls, names in models:
        ref = str(refs[(cls, "validation")]["$ref"])
        _layer_variant(defs[ref.rsplit("/", 1)[1]], names, activations)
        variants.append({"$ref": ref})
        mapping.update(dict.fromkeys(names, ref))
    all_types = sorted(mapping)
    defs["Layer"] = {
        "oneOf": variants,
        "discriminator": {"propertyName": "type", "mapping": mapping},
    }
    defs["Entry"] = {
        "description": "a block use ({type: <block>, args…}) or a group ({name, layers}), "
        "left to cnncalc",
        "type": "object",
        "not": {"required": ["type"], "properties": {"type": {"enum": all_types}}},
    }
    known: dict[str, Any] = {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "input": {
            "type": "object",
            "properties": {k: {"anyOf": [POSITIVE, SYMBOL, EXPRESSION]} for k in INPUT_KEYS},
            "additionalProperties": False,
            "minProperties": 1,
        },
        "symbols": {
            "type": "object",
            "additionalProperties": {
                "type": ["object", "null"],
                "properties": {"min": POSITIVE, "max": POSITIVE},
                "additionalProperties": False,
            },
        },
        "layers": {
            "type": "array",
            "minItems": 1,
            "items": {"anyOf": [{"$ref": "#/$defs/Layer"}, {"$ref": "#/$defs/Entry"}]},
        },
        "outputs": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "args": {
            "type": "object",
            "additionalProperties": {
                "anyOf": [
                    {"type": ["number", "string", "boolean", "array"]},
                    {
                        "type": "object",
                        "properties": {
                            "default": {},
                            "min": {"type": "number"},
                            "max": {"type": "number"},
                            "choices": {"type": "array", "minItems": 1},
                            "description": {"type": "string"},
                        },
                        "required": ["default"],
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "expect": refs[(Expect, "validation")],
    }
    props = {k: {**known.get(k, {}), "description": desc} for k, desc in TOP_KEYS.items()}
    return {
        "$schema": DIALECT,
        "title": "cnncalc network spec",
        "description": "A convolutional network for cnncalc (README: The spec format).",
        "type": "object",
        "properties": props,
        "additionalProperties": False,
        # a spec has input and layers; a file of blocks for include: has blocks only
        "anyOf": [{"required": ["input", "layers"]}, {"required": ["blocks"]}],
        "$defs": defs,
    }
