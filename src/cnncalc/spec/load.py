"""Spec file -> Network: check the top level, validate each layer against its model, name
layers, resolve `from:` references. Every problem is located at file:line:column."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cnncalc.errors import Pos, Problem, SpecError, brief
from cnncalc.layers import registry
from cnncalc.layers.base import Expect, Layer, Shape
from cnncalc.spec import args as spec_args
from cnncalc.spec import blocks
from cnncalc.spec.expr import ExprError, Value
from cnncalc.spec.network import EMPTY_FROM, INPUT, Network, Node
from cnncalc.spec.yamlpos import STDIN, Document, PathKey, parse_file, parse_text, read_stdin
from cnncalc.sym import Dim, Symbol
from cnncalc.sym.expr import is_symbol_name

TOP_KEYS = {
    "name": "the network's name",
    "description": "free text",
    "input": "the input: {channels: 1, height: 32, width: 32}",
    "symbols": "bounds of symbolic input sizes: {H: {min: 32, max: 4096}}",
    "layers": "the list of layers",
    "outputs": "names of the layers whose outputs are the network's outputs",
    "expect": "figures the author states for the whole network (checked by lint)",
    "blocks": "parametric blocks used like layers (docs/spec-format.md)",
    "include": "spec file(s) whose blocks this spec uses",
    "args": "free arguments with defaults, set with --set: {width: 1.0, resolution: 224}",
}
# Input dims in the order they appear in a shape (channels first).
INPUT_KEYS = ("features", "channels", "length", "depth", "height", "width")
_TUPLE_TAIL = re.compile(r"[^()]*\)\Z")

# "Did you mean" for an unknown layer name compares it with every name (difflib, ~30 µs a
# name): 10,000 bad references among 10,000 layers took 15 minutes. A spec's suggestions
# together may compare this many names; past it, hints are the plain ones.
MAX_SUGGEST_WORK = 50_000


def pydantic_problems(
    exc: ValidationError, doc: Document, path: PathKey, layer: str, model: type[Any]
) -> list[Problem]:
    """One Problem per offending key, at the key's position; loc parts that are union tags
    (not in the YAML) are skipped by looking up the longest prefix that exists."""
    seen: set[str] = set()
    out: list[Problem] = []
    fields = sorted(
        {a for n, f in model.model_fields.items() for a in (n, f.alias) if a}
        if hasattr(model, "model_fields")
        else []
    )
    errors = exc.errors()
    # A misspelt required key is one mistake, not two: report the unknown key (with its
    # "did you mean") and drop the "missing" error of the key it resembles.
    unknown = [str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden" and e["loc"]]
    explained = {
        m
        for u in unknown
        for m in registry.close_matches(
            u, [str(e["loc"][0]) for e in errors if e["type"] == "missing" and e["loc"]]
        )
    }
    # `{kernel_size: (1, 7)}`: the comma ends the value "(1" (a field's message says to write
    # [1, 7]) and makes a key of "7)": not a second mistake
    tuple_text = any("lists are written in brackets" in e["msg"] for e in errors)
    for err in errors:
        loc = [p for p in err["loc"] if isinstance(p, (str, int))]
        key = str(loc[0]) if loc else ""
        if key in seen or (err["type"] == "missing" and key in explained):
            continue
        if tuple_text and err["type"] == "extra_forbidden" and _TUPLE_TAIL.match(key):
            continue
        seen.add(key)
        msg = err["msg"].removeprefix("Value error, ")
        kind = err["type"]
        sub: PathKey = (*path, *loc)
        if kind == "extra_forbidden":
            hint = registry.suggest(key, [f for f in fields if f != "from_"])
            out.append(
                Problem(
                    doc.where(sub, key=True),
                    f"unknown key {key!r}",
                    hint or f"allowed keys: {', '.join(f for f in fields if f not in ('from_',))}",
                    layer,
                    "E002",
                )
            )
        elif kind == "missing":
            out.append(
                Problem(
                    doc.where(path), f"missing required key {key!r}", f"add {key}: …", layer, "E002"
                )
            )
        else:
            value = err.get("input")
            shown = (
                "" if "got" in msg or isinstance(value, (dict, list)) else f", got {brief(value)}"
            )
            out.append(
                Problem(
                    doc.where(sub), f"{key}: {msg}{shown}" if key else f"{msg}", "", layer, "E002"
                )
            )
    return out


class Loader:
    """Builds the nodes of one network; top-level entries pass through spec/blocks.py."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.nodes: list[Node] = []
        self.names: dict[str, PathKey] = {}
        self.counters: dict[str, int] = {}
        self.input_axes: tuple[str, ...] = ()  # the input's axis names, for `dim: height`
        # explicit names win: automatic names (conv2d_1) avoid every name the top-level list
        # writes as text (spec/blocks.py adds those of inline blocks), and are kept apart
        self.reserved: set[str] = set()
        self.automatic: set[str] = set()
        self.suggest_work = 0  # names compared for "did you mean" hints (MAX_SUGGEST_WORK)
        # set by spec/blocks.py: block instance / group path -> its output layer, and -> what it is
        self.aliases: dict[str, str] = {}
        self.scopes: dict[str, str] = {}
        self.args: dict[str, Value] = {}  # the spec's arguments (spec/args.py), --set applied

    def did_you_mean(
        self, word: str, groups: Sequence[Collection[str]], ordered: bool = False
    ) -> str:
        """A 'did you mean' hint among layer names (given in groups, joined only when used, in
        sorted order if `ordered`), while the spec's budget of comparisons lasts; else ''."""
        size = sum(len(g) for g in groups)
        if self.suggest_work + size > MAX_SUGGEST_WORK:
            return ""
        self.suggest_work += size
        names = list(dict.fromkeys(n for g in groups for n in g))
        return registry.suggest(word, sorted(names) if ordered else names)

    def fail(
        self, pos: Pos, message: str, hint: str = "", layer: str = "", code: str = "E002"
    ) -> None:
        self.problems.append(Problem(pos, message, hint, layer, code))

    # ---- layers -----------------------------------------------------------------------
    def layer(self, entry: dict[str, Any], path: PathKey, doc: Document) -> Layer | None:
        """Validate one layer mapping against its model."""
        t = entry.get("type")
        raw_name = entry.get("name")
        # unnamed layers are named by their place, as lint names them
        label = (
            raw_name
            if isinstance(raw_name, str)
            else "".join(
                f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                for i, p in enumerate(path)
            )
        )
        if not isinstance(t, str):
            self.fail(
                doc.where(path),
                "a layer needs a 'type'" if t is None else f"type must be a name, got {t!r}",
                "e.g. type: conv2d",
                label,
                "E003",
            )
            return None
        found = registry.lookup(t)
        if found is None:
            hint = registry.suggest(t, registry.canonical_names())
            self.fail(
                doc.where((*path, "type")),
                f"unknown layer type {t!r}",
                hint or "`cnncalc types` lists them",
                label,
                "E003",
            )
            return None
        cls, canonical = found
        try:
            layer = cls.model_validate({**entry, "type": canonical})
        except ValidationError as exc:
            self.problems.extend(pydantic_problems(exc, doc, path, label, cls))
            return None
        layer.set_input_axes(self.input_axes)
        return layer

    def name_for(self, layer: Layer, explicit: object, pos: Pos) -> str | None:
        if explicit is None:
            base = layer.type
            while True:
                self.counters[base] = self.counters.get(base, 0) + 1
                name = f"{base}_{self.counters[base]}"
                if name not in self.names and name not in self.reserved:
                    self.automatic.add(name)
                    return name
        assert isinstance(explicit, str)
        if not explicit or explicit == INPUT or "." in explicit or not explicit.isprintable():
            self.fail(
                pos,
                f"bad layer name {explicit!r}",
                f"names are non-empty, not {INPUT!r}, without '.'",
                explicit,
                "E004",
            )
            return None
        if explicit in self.names:  # both explicit: automatic names avoid the reserved ones
            first = self.doc.where(self.names[explicit])
            self.fail(
                pos,
                f"duplicate layer name {explicit!r} (first at line {first.line})",
                "names must be unique",
                explicit,
                "E004",
            )
            return None
        return explicit

    def node(self, entry: dict[str, Any], path: PathKey) -> Node | None:
        """A plain top-level layer (spec/blocks.py expands the others)."""
        doc = self.doc
        layer = self.layer(entry, path, doc)
        if layer is None:
            return None
        name = self.name_for(layer, layer.name, doc.where((*path, "name")))
        if name is None:
            return None
        self.names[name] = path
        src = layer.from_
        if src is not None and not src:  # as in blocks (spec/blocks.py): not "the layer above"
            self.fail(doc.where((*path, "from"), key=True), *EMPTY_FROM, name, "E105")
            return None
        refs = [src] if isinstance(src, str) else list(src or [])
        if not refs:
            refs = [self.nodes[-1].name if self.nodes else INPUT]
        else:
            resolved: list[str] = []
            for ref in refs:
                if ref == name:
                    self.fail(
                        doc.where((*path, "from"), key=True),
                        f"layer {name!r} reads from itself",
                        "from: names an earlier layer",
                        name,
                        "E105",
                    )
                    return None
                cand = self.aliases.get(ref, ref)
                if cand != INPUT and cand not in self.names:
                    hint = self.did_you_mean(ref, [(INPUT,), self.names])
                    self.fail(
                        doc.where((*path, "from"), key=True),
                        f"from: {ref!r} is not an earlier layer",
                        hint or "name a layer defined above this one, or 'input'",
                        name,
                        "E105",
                    )
                    return None
                resolved.append(cand)
            refs = resolved
        if layer.ARITY is not None and len(refs) != layer.ARITY:
            self.fail(
                doc.where((*path, "from"), key=True),
                f"{layer.type} takes {layer.ARITY} input, got {len(refs)}",
                "merge inputs with add or concat first",
                name,
                "E105",
            )
            return None
        if layer.activation is not None and not layer.SHORTHAND_ACTIVATION:
            self.fail(
                doc.where((*path, "activation"), key=True),
                "an activation cannot take activation:",
                "",
                name,
                "E002",
            )
            return None
        return Node(name, layer, tuple(refs), doc, path)

    def entries(self, items: Any, path: PathKey) -> None:
        if not isinstance(items, list) or not items:
            self.fail(
                self.doc.where(path),
                "layers must be a non-empty list",
                "layers: [- {type: conv2d, …}]",
            )
            return
        expander: blocks.Expander | None = None  # made at the first entry that is a mapping
        for i, entry in enumerate(items):
            p = (*path, i)
            if not isinstance(entry, dict):
                self.fail(
                    self.doc.where(p),
                    f"a layer is a mapping with a type, got {brief(entry)}",
                    "- {type: relu}",
                )
                continue
            if expander is None:
                expander = blocks.Expander.for_spec(self)
            expander.top_entry(entry, p)


def _input(
    loader: Loader, data: Any, symbols: dict[str, tuple[int, int | None]]
) -> tuple[tuple[str, ...], Shape]:
    doc = loader.doc
    if not isinstance(data, dict) or not data:
        loader.fail(
            doc.where(("input",)),
            "input must be a mapping of sizes",
            "input: {channels: 1, height: 32, width: 32}",
        )
        return (), ()
    names: list[str] = []
    dims: list[Dim] = []
    for key, value in data.items():
        if key not in INPUT_KEYS:
            hint = registry.suggest(key, list(INPUT_KEYS))
            loader.fail(
                doc.where(("input", key), key=True),
                f"unknown input key {key!r}",
                hint or f"one of {', '.join(INPUT_KEYS)}",
            )
            continue
        d = parse_dim(value, symbols)
        if d is None:
            loader.fail(
                doc.where(("input", key)),
                f"input {key} must be a positive integer or a symbol name, got {value!r}",
                "e.g. 32 or H",
            )
            continue
        names.append(key)
        dims.append(d)
    order = sorted(range(len(names)), key=lambda i: INPUT_KEYS.index(names[i]))
    return tuple(names[i] for i in order), tuple(dims[i] for i in order)


def parse_dim(value: object, symbols: dict[str, tuple[int, int | None]]) -> Dim | None:
    """A concrete size or a symbol name (bounds from `symbols:`, else min 1)."""
    if type(value) is int:
        return value if value >= 1 else None
    if is_symbol_name(value):
        lo, hi = symbols.get(value, (1, None))
        return Symbol(value, lo, hi)
    return None


def _symbols(loader: Loader, data: Any) -> dict[str, tuple[int, int | None]]:
    out: dict[str, tuple[int, int | None]] = {}
    if data is None:
        return out
    if not isinstance(data, dict):
        loader.fail(loader.doc.where(("symbols",)), "symbols must map names to {min, max}")
        return out
    for name, b in data.items():
        b = b or {}
        lo = b.get("min", 1) if isinstance(b, dict) else None
        hi = b.get("max") if isinstance(b, dict) else None
        if (
            not isinstance(b, dict)
            or not set(b) <= {"min", "max"}
            or type(lo) is not int
            or lo < 1
            or not (hi is None or (type(hi) is int and hi >= lo))
            or not is_symbol_name(name)
        ):
            loader.fail(
                loader.doc.where(("symbols", name)),
                f"bad bounds for symbol {name!r}",
                "e.g. H: {min: 32, max: 4096}",
            )
            continue
        out[name] = (lo, hi)
    return out


def _name(loader: Loader, data: dict[Any, Any]) -> str:
    name = data.get("name", Path(loader.doc.file).stem)
    if not isinstance(name, str):
        loader.fail(loader.doc.where(("name",)), f"name must be text, got {name!r}")
    elif "name" in data and not name.isprintable():  # the check layer names get (name_for)
        loader.fail(
            loader.doc.where(("name",)),
            f"bad network name {name!r}: it holds a control or format character",
            "names are printable text: no newline, tab, escape or bidi control",
        )
    return str(name)


def _outputs(loader: Loader, outputs: Any) -> tuple[str, ...]:
    """The layers `outputs:` names (a block instance: its output layer), else the last one."""
    if outputs is None:
        return (loader.nodes[-1].name,) if loader.nodes else ()
    if not (isinstance(outputs, list) and all(isinstance(o, str) for o in outputs) and outputs):
        loader.fail(loader.doc.where(("outputs",)), "outputs must be a list of layer names")
        return ()
    for o in outputs:
        if o not in loader.names:
            loader.fail(
                loader.doc.where(("outputs",)),
                f"outputs names unknown layer {o!r}",
                loader.did_you_mean(o, [loader.names]),
            )
    return tuple(loader.aliases.get(str(o), str(o)) for o in outputs)


def _with_args(loader: Loader, data: dict[Any, Any], key: str) -> Any:
    """data[key] with its `$` expressions evaluated over the spec's arguments (located E111)."""
    value = data[key]
    if "args" not in data:  # a spec without arguments reads these keys as it always has
        return value
    try:
        return spec_args.substitute(value, loader.args)
    except ExprError as err:
        loader.fail(loader.doc.where((key,)), f"{key}: {err.message}", err.hint, "", "E111")
        return None


def build(doc: Document, sets: Mapping[str, Value] | None = None) -> Network:
    """Validate a parsed document into a Network, or raise SpecError with every problem.
    `sets` (--set NAME=VALUE, spec/args.py) override the spec's `args:` defaults; a bad one
    raises UsageError."""
    loader = Loader(doc)
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError(
            [
                Problem(
                    doc.where(()),
                    "a spec is a mapping with name, input and layers",
                    "see specs/lenet5.yaml",
                )
            ]
        )
    for key in data:
        if key not in TOP_KEYS:
            hint = registry.suggest(key, list(TOP_KEYS))
            loader.fail(
                doc.where((key,), key=True),
                f"unknown top-level key {key!r}",
                hint or f"allowed: {', '.join(TOP_KEYS)}",
            )
    for key in ("input", "layers"):
        if key not in data:
            loader.fail(doc.where(()), f"missing required key {key!r}", TOP_KEYS[key])
    defs = spec_args.definitions(doc, data.get("args"), loader.problems)
    if sets and "args" in data and loader.problems:  # --set over broken args: the spec's fault
        raise SpecError(loader.problems)
    loader.args = spec_args.resolve(doc, defs, sets or {}, loader.problems)
    if loader.problems:  # every later value may read the arguments
        raise SpecError(loader.problems)
    if "name" in data:
        data = {**data, "name": _with_args(loader, data, "name")}
    name = _name(loader, data)
    symbols = _symbols(loader, data.get("symbols"))
    input_names, input_shape = (
        _input(loader, _with_args(loader, data, "input"), symbols) if "input" in data else ((), ())
    )
    loader.input_axes = input_names
    expect = None
    if "expect" in data:
        try:
            expect = Expect.model_validate(_with_args(loader, data, "expect"))
        except ValidationError as exc:
            loader.problems.extend(pydantic_problems(exc, doc, ("expect",), "", Expect))
    if "layers" in data:
        loader.entries(data["layers"], ("layers",))
        if not loader.nodes and not loader.problems:  # every layer left out by `if:`
            loader.fail(
                doc.where(("layers",)),
                "no layer is left: every layer is left out by its `if:` (or sits in blocks"
                " with none left), so the network computes nothing",
                "keep at least one layer; `- {type: identity}` passes the input through",
            )
    out_names = _outputs(loader, data.get("outputs"))
    if loader.problems:
        raise SpecError(loader.problems)
    return Network(
        name,
        doc.file,
        input_names,
        input_shape,
        loader.nodes,
        out_names,
        doc,
        expect,
        symbols,
        aliases=loader.aliases,
        scopes=loader.scopes,
        args=loader.args,
    )


def load(path: str | Path, sets: Mapping[str, str] | None = None) -> Network:
    """The spec at `path`; `-` is standard input, named <stdin> in messages, its includes
    relative to the current folder (a file named `-` is `./-`). `sets`: --set values."""
    if str(path) == "-":
        return build(parse_text(read_stdin(), STDIN), sets)
    return build(parse_file(path), sets)


def loads(text: str, file: str = "<string>", sets: Mapping[str, str] | None = None) -> Network:
    return build(parse_text(text, file), sets)
