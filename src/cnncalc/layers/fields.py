"""Field types shared by layer models, with plain-language validation messages.

Pydantic's own messages for unions ("Input should be a valid list") confuse spec authors, so
these types validate by hand and describe themselves to the JSON Schema explicitly.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainValidator, WithJsonSchema

from cnncalc.errors import LayerError, brief

_INT_SCHEMA: dict[str, Any] = {"type": "integer"}


def _kind(v: object) -> str:
    return {
        bool: "a boolean",
        float: "a float",
        str: "a string",
        list: "a list",
        dict: "a mapping",
    }.get(type(v), type(v).__name__)


def _int(v: object, minimum: int, what: str) -> int:
    if type(v) is not int:
        raise ValueError(f"must be {what}, got {brief(v)} ({_kind(v)})")
    if v < minimum:
        raise ValueError(f"must be {what}, got {v}")
    return v


def _size(v: object) -> int:
    return _int(v, 1, "a positive integer")


def _nonneg(v: object) -> int:
    return _int(v, 0, "a non-negative integer")


def _int_any(v: object) -> int:
    return _int(v, -(10**100), "an integer")


def _not_a_tuple(v: object, what: str) -> None:
    """`kernel_size: (1, 7)` is the text "(1, 7)" in YAML, and "(1" in a {…} mapping, where
    the comma ends the value (spec/load.py drops the "unknown key '7)'" that follows)."""
    if isinstance(v, str) and v.lstrip().startswith("("):
        inner = v.strip()[1:].removesuffix(")").strip()
        example = f"[{inner}]" if v.rstrip().endswith(")") else f"[{inner}, …]"
        if not inner or len(inner) > 40:
            example = "[1, 7]"
        raise ValueError(
            f"must be {what}, got {brief(v)} (a string): lists are written in brackets, {example}"
        )


def _sizes(v: object) -> int | tuple[int, ...]:
    _not_a_tuple(v, "a positive integer or a list of them")
    if isinstance(v, list):
        if not v:
            raise ValueError("must be a positive integer or a non-empty list of them, got []")
        return tuple(_size(x) for x in v)
    return _size(v)


def _nonnegs(v: object) -> int | tuple[int, ...]:
    _not_a_tuple(v, "a non-negative integer or a list of them")
    if isinstance(v, list):
        return tuple(_nonneg(x) for x in v)
    return _nonneg(v)


PADDING_NAMES = ("same", "valid", "tf_same")


def _padding(v: object) -> int | str | tuple[int | tuple[int, int], ...]:
    _not_a_tuple(v, "an integer, a list or a name")
    if isinstance(v, str):
        if v not in PADDING_NAMES:
            raise ValueError(
                f"must be an integer, a list, or one of {', '.join(PADDING_NAMES)}; got {v!r}"
            )
        return v
    if isinstance(v, list):
        out: list[int | tuple[int, int]] = []
        for x in v:
            if isinstance(x, list):
                if len(x) != 2:
                    raise ValueError(f"a per-side padding is [before, after], got {x!r}")
                out.append((_nonneg(x[0]), _nonneg(x[1])))
            else:
                out.append(_nonneg(x))
        return tuple(out)
    return _nonneg(v)


def _prob(v: object) -> float:
    if type(v) not in (int, float) or not 0 <= v <= 1:  # type: ignore[operator]
        raise ValueError(f"must be a probability between 0 and 1, got {v!r}")
    return float(v)  # type: ignore[arg-type]


def _number(v: object) -> float:
    """Every float field's type (with Prob and Scale): YAML's .nan, .inf and -.inf, or a `$`
    expression that overflows, are refused here, at the value, not later as an internal
    error or as `inf` in generated CUDA."""
    if type(v) not in (int, float):
        raise ValueError(f"must be a number, got {v!r} ({_kind(v)})")
    if not math.isfinite(v):  # type: ignore[arg-type]
        raise ValueError(f"must be a finite number, got {v!r}")
    return float(v)  # type: ignore[arg-type]


def _scale(v: object) -> Fraction | tuple[Fraction, ...]:
    def one(x: object) -> Fraction:
        if type(x) not in (int, float) or not x > 0:  # type: ignore[operator]
            raise ValueError(f"must be a positive number, got {x!r}")
        if not math.isfinite(x):  # type: ignore[arg-type]
            raise ValueError(f"must be a finite positive number, got {x!r}")
        return Fraction(str(x))  # from the decimal text: exact, as the author wrote it

    return tuple(one(x) for x in v) if isinstance(v, list) else one(v)


def _schema_of(*alternatives: dict[str, Any]) -> WithJsonSchema:
    return WithJsonSchema(
        alternatives[0] if len(alternatives) == 1 else {"anyOf": list(alternatives)}
    )


_POS = {"type": "integer", "minimum": 1}
_NONNEG = {"type": "integer", "minimum": 0}

Size = Annotated[int, BeforeValidator(_size), _schema_of(_POS)]
NonNeg = Annotated[int, BeforeValidator(_nonneg), _schema_of(_NONNEG)]
AnyInt = Annotated[int, BeforeValidator(_int_any), _schema_of(_INT_SCHEMA)]
Sizes = Annotated[
    int | tuple[int, ...],
    BeforeValidator(_sizes),
    _schema_of(_POS, {"type": "array", "items": _POS, "minItems": 1}),
]
NonNegs = Annotated[
    int | tuple[int, ...],
    BeforeValidator(_nonnegs),
    _schema_of(_NONNEG, {"type": "array", "items": _NONNEG}),
]
Padding = Annotated[
    int | str | tuple[int | tuple[int, int], ...],
    BeforeValidator(_padding),
    _schema_of(
        _NONNEG,
        {"type": "string", "enum": list(PADDING_NAMES)},
        {
            "type": "array",
            "items": {
                "anyOf": [
                    _NONNEG,
                    {"type": "array", "items": _NONNEG, "minItems": 2, "maxItems": 2},
                ]
            },
        },
    ),
]
Prob = Annotated[
    float, BeforeValidator(_prob), _schema_of({"type": "number", "minimum": 0, "maximum": 1})
]
Number = Annotated[float, BeforeValidator(_number), _schema_of({"type": "number"})]
Scale = Annotated[
    Fraction | tuple[Fraction, ...],
    # Plain: pydantic's own Fraction validator raises TypeError (a traceback) on a list
    PlainValidator(_scale),
    _schema_of(
        {"type": "number", "exclusiveMinimum": 0}, {"type": "array", "items": {"type": "number"}}
    ),
]


def ntuple(value: int | tuple[int, ...], n: int, field: str) -> tuple[int, ...]:
    """Expand an int to n copies, or check that a list has n entries."""
    if isinstance(value, int):
        return (value,) * n
    if len(value) == 1:
        return value * n
    if len(value) != n:
        raise LayerError(
            f"{field} has {len(value)} entries but the layer has {n} spatial dimension(s)",
            f"give one number or a list of {n}",
            field=field,
        )
    return value


def _tensor_size(v: object) -> tuple[int, ...]:
    """A tensor's shape as torch.zeros takes it: positive sizes ([]: a scalar) or one size."""
    if isinstance(v, list) and not v:
        return ()
    s = _sizes(v)
    return s if isinstance(s, tuple) else (s,)


TensorSize = Annotated[
    tuple[int, ...],
    BeforeValidator(_tensor_size),
    _schema_of(_POS, {"type": "array", "items": _POS}),
]
