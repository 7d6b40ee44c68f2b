"""Mutations of valid specs, as data (delete keys, swap types, inject odd values, reorder
layers; hostile names, nested lists in expressions, empty nested blocks, escaping includes)
and as text (YAML punctuation, tags, anchors, control characters, cuts).

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


# Names that a terminal, rich markup, C/C++ comments and strings, Python docstrings or a file
# system could read as something else: control characters (ESC, NUL, newlines, C1's CSI and
# NEL, U+2028), bidi overrides, rich markup, comment and string delimiters, line splices.
HOSTILE_NAMES: tuple[str, ...] = (
    "a\x1b[31mred\x1b[0m",
    "\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\",
    "a\nb",
    'evil\n#include <cstdlib>\nstatic int x = std::system("true");',
    "x\r\ny",
    "x\ry",
    "tab\there",
    "nul\x00nul",
    "\x07bell",
    "del\x7f",
    "csi\x9b31m",
    "nel\x85line",
    "line\u2028sep",
    "para\u2029sep",
    "\u202eevil",
    "\u2066isolate\u2069",
    "zw\u200bsp",
    "x[/]",
    "[/]",
    "[link=https://example.com]x[/link]",
    "[bold red]x",
    "attn[q]",
    "\\[b]x",
    "back\\",
    "a\\\nb",
    '"""',
    'x"""; import os; """',
    "'''",
    "*/ int x; /*",
    "/* open",
    "// line",
    "??/",
    '\\"',
    "${x}",
    "%s%n",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(1)",
    "ü∑🙂",
    "\ufeffbom",
    "\U000e0041tag",
    "class",
    "x" * 300,
)


def hostile_name(rng: Rng) -> str:
    """A name from HOSTILE_NAMES, or a few characters drawn from every kind at once."""
    if rng.randrange(2):
        return pick(rng, HOSTILE_NAMES)
    out = []
    for _ in range(1 + rng.randrange(10)):
        kind = rng.randrange(5)
        if kind == 0:  # C0 and C1 controls, DEL
            out.append(chr(pick(rng, [*range(0x20), 0x7F, *range(0x80, 0xA0)])))
        elif kind == 1:  # markup, comment and string delimiters, format characters
            out.append(pick(rng, ["[", "]", "[/]", "\\", '"', "'", "*/", "/*", "\u202e", "\u2028"]))
        elif kind == 2:
            out.append(chr(0x20 + rng.randrange(0x5F)))
        else:  # any code point but a lone surrogate (not text, so no YAML either)
            c = rng.randrange(0x110000 - 0x800)
            out.append(chr(c if c < 0xD800 else c + 0x800))
    return "".join(out)


def hostile_file_name(rng: Rng, file: str) -> str:
    """`file` renamed in its own folder (includes still resolve) to a hostile name: any
    character a file name can hold, so no `/` and no NUL."""
    folder, _, _ = file.rpartition("/")
    name = hostile_name(rng).replace("/", "|").replace("\x00", "0")[:200] or "x"
    return f"{folder}/{name}.yaml" if folder else f"{name}.yaml"


# Values whose top level is small and whose total size is huge (10^12 elements behind 3
# levels of shared lists): free to build, ruinous to copy, repr or compare.
NESTED_LISTS: tuple[str, ...] = (
    "$[[[0]*10000]*10000]*10000",
    "$[[[[0]*1000]*1000]*1000]*1000",
    "$[[0]*10000]*10000",
    "$[[[0]*10000]*10000]*10000 == [[[0]*10000]*10000]*10000",
    "$[[[0]*10000]*10000]*10000 != [[[1]*10000]*10000]*10000",
    "$[[[0]*10000]*10000]*10000 < [[[0]*10000]*10000]*10000",
    "$str([[[0]*10000]*10000]*10000)",
    "$len(str([[0]*10000]*10000))",
    "$len([[[0]*10000]*10000]*10000)",
    "$[[[0]*10000]*10000]*10000 + [[[0]*10000]*10000]*10000",
    "$max([[[0]*10000]*10000]*10000)",
    "$[[[0]*10000]*10000]*10000 if i == 0 else 1",
    "$[[[0]*10000]*10000]*10000 + 1",
    "$[[[0]*10000]*10000]*10000 * 10000",
)


def nested_lists(rng: Rng, data: Any, target: Any) -> None:
    """A nested-list expression as a field of `target`, or as a `let` of a block (used by a
    field, or never used)."""
    value = pick(rng, NESTED_LISTS)
    blocks = data.get("blocks") if isinstance(data, dict) else None
    if rng.randrange(2) and isinstance(blocks, dict) and blocks:
        block = blocks[pick(rng, list(blocks))]
        if isinstance(block, dict):
            let = block.get("let")
            if not isinstance(let, dict):
                let = block["let"] = {}
            let[f"big{rng.randrange(2)}"] = value
            layers = block.get("layers")
            if rng.randrange(2) and isinstance(layers, list) and layers:
                entry = pick(rng, layers)
                if isinstance(entry, dict):  # used: in a field, a comparison, a condition
                    field = pick(rng, ["kernel_size", "if", "out_channels", "repeat", "name"])
                    entry[field] = pick(rng, ["$big0", "$big0 == big0", "$len(big0)", "$str(big0)"])
            return
    if isinstance(target, dict):
        keys, _ = vocabulary()
        target[pick(rng, [*keys, "if", "repeat", "name", "kernel_size"])] = value


def empty_blocks(rng: Rng, data: Any) -> None:
    """Blocks whose layers are all left out (`if: false`), nested up to 6 deep with large
    `repeat:`, used at the end of `layers` (or nested groups): up to 10^36 instances, none
    of which emits a layer."""
    if not isinstance(data, dict):
        return
    layers = data.get("layers")
    if not isinstance(layers, list):
        layers = data["layers"] = []
    reps = pick(rng, [2, 10, 1000, 10000, 10**6])
    cond = pick(rng, [False, "$False", "$i < 0", "$1 == 2", 0])
    depth = 1 + rng.randrange(6)
    if rng.randrange(3) == 0:  # groups, no blocks
        entry: dict[str, Any] = {"layers": [{"type": "relu", "if": cond}], "repeat": reps}
        for _ in range(depth):
            entry = {"layers": [entry], "repeat": reps}
        layers.append(entry)
        return
    blocks = data.get("blocks")
    if not isinstance(blocks, dict):
        blocks = data["blocks"] = {}
    blocks["void0"] = {
        "layers": [{"type": "relu", "if": cond} for _ in range(1 + rng.randrange(3))]
    }
    for d in range(1, depth + 1):
        inner = {"type": f"void{d - 1}", "repeat": reps}
        blocks[f"void{d}"] = {"inline": bool(rng.randrange(2)), "layers": [inner]}
    layers.append({"type": f"void{depth}", "repeat": reps})


# include: values for the layout fuzz/fuzz_specs.py builds in a temporary folder
# (oracle.include_layout): inside the spec's folder, outside it through `..`, through a
# symlinked folder or file, a symlink loop, a dangling one, devices, stdin.
INCLUDES: tuple[str, ...] = (
    "lib/blocks.yaml",
    "L/../blocks.yaml",
    "L/../../blocks.yaml",
    "L/../../secret.yaml",
    "L/../../../outside.yaml",
    "L/../../../../outside.yaml",
    "L/../../../secret.yaml",
    "up/outside.yaml",
    "up/../outside.yaml",
    "link.yaml",
    "loop.yaml",
    "dangling.yaml",
    "lib",
    "../outside.yaml",
    "../secret.yaml",
    "/dev/zero",
    "/dev/null",
    "/dev/stdin",
    "/proc/self/fd/0",
    "/etc/passwd",
)


def escaping_include(rng: Rng, data: Any) -> None:
    """An include from INCLUDES and a layer that uses a block of the included file: `kept`
    is defined inside the spec's folder, `stolen` only outside it."""
    if not isinstance(data, dict):
        return
    inc = [pick(rng, INCLUDES) for _ in range(1 + rng.randrange(2))]
    data["include"] = inc[0] if len(inc) == 1 else inc
    layers = data.get("layers")
    if isinstance(layers, list):
        layers.append({"type": pick(rng, ["stolen", "kept"])})


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
    kind = rng.randrange(12)
    if kind == 0:
        return pick(rng, types)
    if kind == 10:
        return hostile_name(rng)
    if kind == 11:
        return pick(rng, NESTED_LISTS)
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
        op = rng.randrange(13)
        if op == 9:  # a hostile name: the network's, a layer's, or a block's (and its uses)
            rename(rng, data, parent, last)
        elif op == 10:  # a nested list behind an expression
            nested_lists(rng, data, parent if isinstance(parent, dict) else get(data, p))
        elif op == 11:
            empty_blocks(rng, data)
        elif op == 12:
            escaping_include(rng, data)
        elif op == 0:  # delete a key or an item
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


def rename(rng: Rng, data: Any, parent: Any, last: str | int) -> None:
    """A hostile name for the network, for the entry at parent[last], or for a block (and
    every `type:` that uses it)."""
    name = hostile_name(rng)
    where = rng.randrange(3)
    entry = (
        parent.get(last)
        if isinstance(parent, dict)
        else parent[last]
        if isinstance(parent, list) and isinstance(last, int) and -len(parent) <= last < len(parent)
        else None
    )
    if where == 1 and isinstance(entry, dict):
        entry["name"] = name
        return
    blocks = data.get("blocks") if isinstance(data, dict) else None
    if where == 2 and isinstance(blocks, dict) and blocks:
        old = pick(rng, list(blocks))
        blocks[name] = blocks.pop(old)
        for p in paths(data):
            if p[-1] == "type" and get(data, p) == old:
                get(data, p[:-1])["type"] = name
    elif isinstance(data, dict):
        data["name"] = name


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
