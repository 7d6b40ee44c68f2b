"""Mutations of valid specs, as data (delete keys, swap types, inject odd values, reorder
layers) and as text (YAML punctuation, tags, anchors, control characters, cuts).

Every choice goes through an `Rng` (randrange, choice, random), so the same mutations run
under hypothesis (`st.randoms()`: shrinkable), under atheris (an adapter over its
FuzzedDataProvider: coverage-guided) and under a plain random.Random.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from functools import cache
from typing import Any, Protocol, TypeVar

import yaml

T = TypeVar("T")
Path = tuple[str | int, ...]


class Rng(Protocol):
    def randrange(self, stop: int, /) -> int: ...
    def random(self) -> float: ...


def pick(rng: Rng, seq: Sequence[T]) -> T:
    return seq[rng.randrange(len(seq))]


def _deep(n: int) -> Any:
    v: Any = 1
    for _ in range(n):
        v = [v]
    return v


ODD_VALUES: tuple[Any, ...] = (
    0,
    -1,
    1,
    2,
    3,
    7,
    -(10**30),
    10**30,
    10**99,
    10**100,
    2**63,
    2**64 + 1,
    0.5,
    -0.0,
    1.5,
    1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    True,
    False,
    None,
    "",
    " ",
    "x" * 5000,
    "ü∑🙂",
    "\u202eevil",
    "a\nb",
    "a: b",
    "- x",
    "H",
    "W",
    "H+1",
    "input",
    "$2 if i == 0 else 1",
    "$" + "(" * 60 + "1",
    "$1/0",
    "$2**4096",
    "$[1]*100000",
    "lenet5",
    "same",
    "tf_same",
    "valid",
    "relu",
    "conv2d",
    "x); import os; (",
    "__class__",
    "self",
    "train",
    "0abc",
    "a.b",
    "s.0",
    "../x.yaml",
    "/etc/passwd",
    [],
    {},
    [1],
    [[1]],
    [1, 2, 3, 4],
    [0, 0],
    [-1, 2],
    [1.5],
    [True],
    [None],
    ["a", "b"],
    {"type": "relu"},
    {"min": 1, "max": 0},
    {"type": "conv2d"},
    _deep(30),
    _deep(120),
    [[0, 1, 2]] * 6,
    list(range(64)),
)


@cache
def vocabulary() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(every key a spec may hold, every layer type name), from the registry as it stands."""
    from cnncalc.layers import registry
    from cnncalc.spec import load

    keys = set(load.TOP_KEYS) | {"args", "let", "inputs", "inline", "layers", "repeat", "if"}
    keys |= {"channels", "height", "width", "length", "depth", "features", "min", "max"}
    for cls, _ in registry.types().values():
        keys |= {f.alias or n for n, f in cls.model_fields.items()}
    return tuple(sorted(keys)), tuple(registry.canonical_names())


def odd_value(rng: Rng, data: Any) -> Any:
    _, types = vocabulary()
    kind = rng.randrange(10)
    if kind == 0:
        return pick(rng, types)
    if kind == 1:
        return pick(rng, layer_names(data) or ["input"])
    if kind == 2:  # a near miss of a number already there
        return rng.randrange(5) - 2 + 2 ** rng.randrange(70)
    return copy.deepcopy(pick(rng, ODD_VALUES))


def layer_names(data: Any) -> list[str]:
    layers = data.get("layers") if isinstance(data, dict) else None
    out = ["input"]
    if isinstance(layers, list):
        out += [e["name"] for e in layers if isinstance(e, dict) and isinstance(e.get("name"), str)]
    return out


def paths(data: Any, path: Path = (), depth: int = 0) -> list[Path]:
    """Every path in the tree (containers and leaves), the root excluded."""
    out: list[Path] = []
    if depth > 12:
        return out
    items: list[tuple[str | int, Any]] = (
        list(data.items())
        if isinstance(data, dict)
        else list(enumerate(data))
        if isinstance(data, list)
        else []
    )
    for k, v in items:
        p = (*path, k)
        out.append(p)
        out.extend(paths(v, p, depth + 1))
    return out


def get(data: Any, path: Path) -> Any:
    for k in path:
        data = data[k]
    return data


def mutate_data(rng: Rng, data: Any, steps: int) -> Any:
    data = copy.deepcopy(data)
    keys, _ = vocabulary()
    for _ in range(steps):
        ps = paths(data)
        if not ps:
            return odd_value(rng, data)
        p = pick(rng, ps)
        parent, last = get(data, p[:-1]), p[-1]
        op = rng.randrange(9)
        if op == 0:  # delete a key or an item
            del parent[last]
        elif op in (1, 2):  # replace a value with an odd one
            parent[last] = odd_value(rng, data)
        elif op == 3:  # swap types: wrap, unwrap, to text, to float, to a mapping
            v = parent[last]
            parent[last] = pick(
                rng,
                [
                    [v],
                    v[0] if isinstance(v, list) and v else {"v": v},
                    str(v),
                    float(v) if isinstance(v, int) and abs(v) < 2**60 else v,
                    list(v.values()) if isinstance(v, dict) else v,
                ],
            )
        elif op == 4:  # insert a known key with an odd value into some mapping
            target = parent if isinstance(parent, dict) else get(data, p)
            if isinstance(target, dict):
                target[pick(rng, keys)] = odd_value(rng, data)
        elif op == 5:  # layers: duplicate, swap or reverse entries (forward references)
            layers = data.get("layers") if isinstance(data, dict) else None
            if isinstance(layers, list) and layers:
                i, j = rng.randrange(len(layers)), rng.randrange(len(layers))
                how = rng.randrange(3)
                if how == 0:
                    layers.insert(j, copy.deepcopy(layers[i]))
                elif how == 1:
                    layers[i] = layers[j]
                else:
                    layers.reverse()
        elif op == 6:  # from: pointing at itself, a later layer, nowhere, or several
            target = parent if isinstance(parent, dict) else get(data, p)
            if isinstance(target, dict):
                names = layer_names(data)
                own = target.get("name", "x")
                target["from"] = pick(
                    rng, [own, pick(rng, names), "nowhere", [own, pick(rng, names)], []]
                )
        elif op == 7:  # a number nudged: off by one, doubled, zero, negated, scaled up
            v = parent[last]
            if isinstance(v, int) and not isinstance(v, bool):
                parent[last] = pick(rng, [v + 1, v - 1, 2 * v, 0, -v, v * 10**30])
        else:  # a mapping moved into a list or a list into a mapping (wrong nesting)
            v = parent[last]
            parent[last] = {"layers": v} if isinstance(v, list) else [v]
    return data


def dump(data: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: 10x faster
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, width=10**6)


YAML_BITS = (
    "[",
    "]",
    "{",
    "}",
    ": ",
    ":",
    "- ",
    "-",
    ",",
    "&a ",
    "*a",
    "&b [*a, *a, *a] ",
    "*b",
    "!!python/object/apply:os.system ['true'] ",
    "!!python/name:os.system ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!local ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!str ",
    "!!timestamp ",
    "<<: ",
    "? ",
    "|",
    ">-",
    "'",
    '"',
    "\\",
    "\t",
    "\n",
    "\r\n",
    "\r",
    "#",
    "%YAML 1.1\n",
    "%TAG ! tag:x,2000:\n",
    "---\n",
    "...\n",
    "\ufeff",
    "\x85",
    "\u2028",
    "\x00",
    "\x01",
    "\x7f",
    "\ud800",
    "🙂",
    "~",
    "null",
    "true",
    "yes",
    "on",
    ".inf",
    ".nan",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "190:20:30",
    "1e3",
    "9" * 120,
    "2001-12-14",
    "  ",
    "    ",
)


def mutate_text(rng: Rng, text: str, steps: int) -> str:
    for _ in range(steps):
        n = len(text)
        i = rng.randrange(n + 1)
        op = rng.randrange(8)
        if op <= 2:  # insert YAML punctuation, a tag, an anchor, a control character
            text = text[:i] + pick(rng, YAML_BITS) + text[i:]
        elif op == 3 and n:  # delete a slice
            j = min(n, i + 1 + rng.randrange(40))
            text = text[:i] + text[j:]
        elif op == 4:  # duplicate or drop a line
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            if rng.random() < 0.5:
                lines.insert(k, lines[k])
            else:
                del lines[k]
            text = "\n".join(lines)
        elif op == 5:  # re-indent a line
            lines = text.split("\n")
            k = rng.randrange(len(lines))
            lines[k] = " " * rng.randrange(9) + lines[k].lstrip(" ")
            text = "\n".join(lines)
        elif op == 6 and n:  # replace one character with any code point
            text = text[:i] + chr(rng.randrange(0x110000)) + text[i + 1 :]
        else:  # cut the text short
            text = text[:i]
    return text
