"""Blocks, groups, repeat, conditions, multi-output layers and includes.

The loader hands each top-level `layers:` entry to `Expander.top_entry`: an entry that uses one
of these features is expanded here into plain nodes; every other entry goes back to the loader.

    blocks:
      basic:                               # a parametric block, used as `type: basic`
        args: {planes, stride: 1, down: false}        # no value = required
        layers:
          - {name: conv1, type: conv2d, out_channels: $planes, kernel_size: 3, stride: $stride}
          - {name: downsample, from: input, if: $down, layers: [...]}   # a group (nn.Sequential)
          - {name: add, type: add, from: [conv1, downsample]}
    layers:
      - {name: layer2, type: basic, planes: 128, repeat: 2, stride: $2 if i == 0 else 1}

Names are torch's: an instance or group `layer2` repeated twice holds `layer2.0` and
`layer2.1`; entries without a name inside a block or group are numbered by position, as
nn.Sequential numbers its children. docs/spec-format.md is the reference.

Repetitions that cannot emit a layer (`Quiet`: every entry of the body is left out by an `if:`
that no value but `i` can change, or is itself such a group or block) are expanded in full
until one expands cleanly to a given unit, and each later repetition of the same entry with
that unit (the same entries expanded, the same times) is then only named (`Expander.walk`):
the names and scopes it registers and the entries it visits are all that such a repetition
changes, because it evaluates the values the expanded one did (the entry reads `i` only in
conditions and counts that decide the unit; `from:` is read by the first repetition only),
so it passes or fails the same checks, and that one passed them all. A repetition is expanded
in full where that is not known: a name broken earlier in that scope (a duplicate name would
be reported), the work limit within reach (it is reported at the exact entry), or a unit no
repetition has yet expanded cleanly.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from cnncalc.errors import CnncalcError, Pos, SpecError, brief
from cnncalc.layers import registry
from cnncalc.layers.base import Layer
from cnncalc.layers.split import MultiOutput
from cnncalc.spec import expr
from cnncalc.spec.expr import ExprError, Value
from cnncalc.spec.files import Refused, read_regular
from cnncalc.spec.network import EMPTY_FROM, INPUT, Node
from cnncalc.spec.yamlpos import Document, PathKey, decode, parse_text
from cnncalc.sym.expr import NAME

if TYPE_CHECKING:
    from cnncalc.spec.load import Loader

MAX_NODES = 20_000  # layers one spec may expand to
# Entries visited while expanding (each repetition, block instance, group and entry left out
# by `if:`): blocks of `if: false` layers nested in repeats emit nothing, so MAX_NODES alone
# would let them run 10^12 visits. A layer is one visit; instances and skips add a few more.
MAX_WORK = 50_000
MAX_REPEAT = 10_000
MAX_NESTING = 64  # blocks and groups inside each other
MAX_INCLUDES = 64
# False: every repetition is expanded in full (tests compare both ways)
WALK_QUIET = True
MAX_FIELD_ITEMS = 200_000  # items of one field's value, computed parts included (as YAML's)
# Set to 1 to let `include:` reach files outside the including spec's folder tree.
ALLOW_OUTSIDE_ENV = "CNNCALC_INCLUDE_ANYWHERE"

BLOCK_KEYS = {
    "args": "arguments and their defaults: {planes, stride: 1} (no value = required)",
    "let": "values computed from the arguments, in order: {hidden: $inp * t}",
    "inputs": "names of the block's inputs inside it (default [input])",
    "inline": "true: the layers join the enclosing list, without a name level of their own",
    "layers": "the block's layers",
    "description": "free text",
}
GROUP_KEYS = ("name", "from", "layers", "repeat", "if")
CONTROL_KEYS = ("repeat", "if")

E_BLOCK = "E110"  # a block definition or use is wrong
E_EXPR = "E111"  # an expression is wrong
E_CYCLE = "E112"  # a block uses itself
E_INCLUDE = "E113"  # include: file problems


class Skip(Exception):
    """Abandon the current entry; its problem is recorded already."""


@dataclass
class BlockDef:
    name: str
    doc: Document
    path: PathKey  # ('blocks', name) in doc
    args: dict[str, Any]  # name -> default as written (None: required)
    lets: dict[str, Any]
    inputs: tuple[str, ...]
    layers: list[Any]
    inline: bool

    def pos(self, *sub: str | int, key: bool = False) -> Pos:
        return self.doc.where((*self.path, *sub), key=key)


@dataclass
class Frame:
    """One list of entries being expanded: the top level, a block body or a group body."""

    doc: Document
    env: dict[str, Value]
    scope: tuple[str, ...]
    bound: dict[str, str]  # 'input' and a block's input names -> node names
    parent: Frame | None = None  # lexical parent (groups); None for block bodies and the top
    top: bool = False
    positional: bool = True  # unnamed entries are named by position (nn.Sequential)
    last: str | None = None  # default input of the next entry
    last_multi: str = ""  # the entry before had several outputs (its local name)
    counter: list[int] = field(default_factory=lambda: [0])  # shared with inline bodies
    # names written as text anywhere in this list (and in inline bodies): automatic names
    # avoid them, so an explicit name always wins (shared with inline bodies)
    reserved: set[str] = field(default_factory=set)
    local: dict[str, str] = field(default_factory=dict)  # local name -> output node
    multi: dict[str, list[str]] = field(default_factory=dict)  # local name -> output nodes
    stack: tuple[str, ...] = ()  # blocks being expanded, outermost first
    depth: int = 0

    def full(self, local: str) -> str:
        return ".".join((*self.scope, local))

    def instance(self) -> str:
        return ".".join(self.scope)


@dataclass(frozen=True)
class Quiet:
    """One repetition of a group or block instance that cannot emit a layer, as far as naming
    and counting go: its automatic name, and the entries of its body that are expanded."""

    base: str  # 'group' or the block's name: the automatic name's stem and the scope's kind
    inline: bool
    body: tuple[tuple[PathKey, int, Quiet], ...]  # (entry's path, repetitions, what it is)
    work: int  # entries one repetition visits (MAX_WORK + 1 at most)

    @cached_property
    def inside(self) -> Inside:
        """The names its body gives, relative to its own, where none of them is taken (the
        lists inside are numbered from 0, nothing reserved: no entry in them has a name)."""
        named: list[str] = []
        scopes: list[tuple[str, PathKey, str]] = []
        ends: list[str] = []

        def body(unit: Quiet, prefix: str, counter: list[int]) -> None:
            for sub, times, part in unit.body:
                for _ in range(times):
                    counter[0] += 1
                    rel = f"{prefix}.{counter[0] - 1}"
                    named.append(rel)
                    if part.inline:  # as `instance`: no position of its own
                        counter[0] -= 1
                        body(part, prefix, counter)
                    else:
                        scopes.append((rel, sub, part.base))
                        body(part, rel, [0])
                        ends.append(rel)

        body(self, "", [0])
        return Inside(tuple(named), tuple(scopes), tuple(ends))


class Inside(NamedTuple):
    named: tuple[str, ...]  # every automatic name given, '.0', '.0.3', …
    scopes: tuple[tuple[str, PathKey, str], ...]  # (name, entry's path, kind), as registered
    ends: tuple[str, ...]  # the scopes in the order they finish (aliases)


@dataclass
class State:
    """Expansion state of one Loader."""

    blocks: dict[str, BlockDef]
    top: Frame
    bad_blocks: set[str] = field(default_factory=set)  # definitions that failed (reported)
    partial: bool = False  # an include failed (reported): its blocks are missing
    broken: set[str] = field(default_factory=set)  # names whose definition failed (reported)
    emitted: int = 0
    work: int = 0  # entries visited (MAX_WORK)
    scale: int = 1  # product of the repeat: counts around the entry being expanded
    exhausted: bool = False  # MAX_WORK was reached (reported): abandon everything else
    seen: set[tuple[Pos, str]] = field(default_factory=set)  # problems reported, by place
    seen_upto: int = 0  # how many of the loader's problems `seen` holds
    # scopes that hold a broken name ('' holds all): a walked repetition (Expander.walk)
    # names its layers without claim's check for broken names, so only outside these
    broken_in: set[str] = field(default_factory=set)
    quiet_blocks: dict[str, Quiet | None] = field(default_factory=dict)
    # (entry, i) -> (the entry, kept so that its id stays its own; its unit)
    quiet_entries: dict[tuple[int, int | None], tuple[dict[str, Any], Quiet | None]] = field(
        default_factory=dict
    )
    quiet_units: dict[tuple[Any, ...], Quiet] = field(default_factory=dict)  # interned
    reads_i: dict[int, tuple[dict[str, Any], bool]] = field(default_factory=dict)

    def mark_broken(self, name: str) -> None:
        self.broken.add(name)
        self.broken_in.add("")
        at = name.find(".")
        for _ in range(2 * MAX_NESTING + 4):  # deeper than any scope
            if at < 0:
                return
            self.broken_in.add(name[:at])
            at = name.find(".", at + 1)

    def is_broken(self, name: str) -> bool:
        """Whether a name, or what holds it (a block instance, a split), failed."""
        while True:
            if name in self.broken:
                return True
            if "." not in name:
                return False
            name = name.rsplit(".", 1)[0]


BROKEN = "\x00broken"


# ---- values ---------------------------------------------------------------------------
def _pieces(name: str) -> Iterator[str]:
    """The names a layer of several outputs gives them: name.0, name.1, …"""
    return (f"{name}.{k}" for k in itertools.count())


def _is_expr(v: Any) -> bool:
    return isinstance(v, str) and v.startswith("$") and not v.startswith("$$")


def from_yaml(v: Any) -> Value:
    """A YAML value as an expression value, checked, not copied (an unused let costs nothing
    more); ValueError for mappings and null, ExprError when it is too large."""
    return expr.value_of(v)


class Expander:
    def __init__(self, loader: Loader, state: State) -> None:
        self.loader = loader
        self.state = state

    # ---- the top level, called by the loader ------------------------------------------
    @classmethod
    def for_spec(cls, loader: Loader) -> Expander:
        """The expander of the loader's spec: reads its blocks and includes (problems go to
        the loader) and reserves the names its top-level list writes."""
        lib = LibraryLoader(loader)
        me = () if loader.doc.file.startswith("<") else (Path(loader.doc.file).resolve(),)
        lib.done.update(me)
        lib.read(loader.doc, me)
        bad = lib.check_cycles()
        top = Frame(
            loader.doc,
            dict(loader.args),  # the spec's arguments (spec/args.py) are its globals
            (),
            {INPUT: INPUT},
            last=INPUT,
            top=True,
            positional=False,
            reserved=loader.reserved,
        )
        blocks = {k: b for k, b in lib.blocks.items() if k not in bad}
        ex = cls(loader, State(blocks, top, bad | lib.bad, lib.partial))
        data = loader.doc.data if isinstance(loader.doc.data, dict) else {}
        loader.reserved |= ex.explicit_names(data.get("layers"))
        return ex

    def top_entry(self, entry: dict[str, Any], path: PathKey) -> None:
        """One entry of the top-level list: expanded here if it uses blocks, groups, repeat,
        if, expressions or several outputs; else a plain layer, made by the loader."""
        top, nodes = self.state.top, self.loader.nodes
        last = nodes[-1].name if nodes else INPUT
        if not _needs_us(entry, self.state, last):
            node = self.loader.node(entry, path)
            if node is not None:
                nodes.append(node)
            top.last, top.last_multi = nodes[-1].name if nodes else INPUT, ""
            return
        try:
            self.entry(top, entry, path)
        except Skip:
            self.broke(top, entry)
        except RecursionError:
            self.fail(self.loader.doc.where(path), "blocks nested too deeply", "", "", E_BLOCK)

    # ---- problems ---------------------------------------------------------------------
    def fail(
        self, pos: Pos, message: str, hint: str = "", layer: str = "", code: str = E_BLOCK
    ) -> Skip:
        # a fault in a block's definition shows once, naming the first instance it breaks
        st, problems = self.state, self.loader.problems
        st.seen.update((p.pos, p.message) for p in problems[st.seen_upto :])  # a set: no rescan
        st.seen_upto = len(problems)
        if (pos, message) not in st.seen:
            self.loader.fail(pos, message, hint, layer, code)
        return Skip()

    def subst(
        self, value: Any, env: dict[str, Value], doc: Document, path: PathKey, layer: str
    ) -> Any:
        """Evaluate `$expr` strings anywhere in a value; `$$` escapes a literal `$`."""
        if isinstance(value, str) and value.startswith("$"):
            if value.startswith("$$"):
                return value[1:]
            src = value[1:]
            shown = src.strip()
            shown = shown if len(shown) <= 200 else shown[:199] + "…"  # a refused 16 MB one
            try:
                return expr.eval_text(src, env)
            except ExprError as err:
                hint = err.hint or "expressions read the block's args and lets, and i in a repeat"
                if src.count("(") + src.count("[") > src.count(")") + src.count("]"):
                    hint = 'a comma inside {…} or […] ends a YAML value: quote it, "$max(1, c)"'
                where = f"${shown}, column {err.col + 2}"  # counting the $
                raise self.fail(
                    doc.where(path), f"{where}: {err.message}", hint, layer, E_EXPR
                ) from None
            except (ArithmeticError, ValueError, TypeError, RecursionError) as err:
                raise self.fail(doc.where(path), f"${shown}: {err}", "", layer, E_EXPR) from None
        if isinstance(value, list):
            return [self.subst(v, env, doc, (*path, i), layer) for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self.subst(v, env, doc, (*path, k), layer) for k, v in value.items()}
        return value

    # ---- names ------------------------------------------------------------------------
    def claim(self, frame: Frame, local: str, pos: Pos, label: str) -> str:
        """Register a new full name (a layer or a scope) or fail on a duplicate."""
        full = frame.full(local)
        # automatic names avoid the names written as text: only one computed by an expression
        # can meet an earlier automatic name
        if full in self.loader.automatic and full in self.loader.names:
            raise self.fail(
                pos,
                f"layer name {full!r} is the automatic name of an earlier layer",
                "name that layer, or choose another name here",
                label,
                "E004",
            )
        if full in self.loader.names or full in self.state.broken:
            raise self.fail(
                pos, f"duplicate layer name {full!r}", "names must be unique", label, "E004"
            )
        return full

    def label(self, frame: Frame, entry: dict[str, Any]) -> str:
        """How problems name an entry: its full name when it has one, else its block."""
        name = entry.get("name")
        return (
            frame.full(str(name))
            if isinstance(name, (str, int)) and name != ""
            else frame.instance()
        )

    def local_name(
        self, frame: Frame, entry: dict[str, Any], path: PathKey, base: str
    ) -> tuple[str, bool]:
        """The entry's name inside its list and whether the author gave it."""
        frame.counter[0] += 1
        explicit = entry.get("name")
        if explicit is not None:
            if isinstance(explicit, int) and not isinstance(explicit, bool):
                explicit = str(explicit)
            bad = (
                not isinstance(explicit, str)
                or not explicit
                or "." in explicit
                or not explicit.isprintable()  # a newline or a bidi control in a name
                or explicit == INPUT
                or explicit in frame.bound
            )
            if bad:
                raise self.fail(
                    frame.doc.where((*path, "name")),
                    f"bad layer name {explicit!r}",
                    f"names are non-empty text without '.', not {INPUT!r} or an input's name",
                    str(explicit),
                    "E004",
                )
            return str(explicit), True
        taken = self.loader.names
        if frame.positional:
            name = str(frame.counter[0] - 1)
            if name not in frame.reserved and frame.full(name) not in taken:
                self.loader.automatic.add(frame.full(name))
                return name, False
        counters = self.loader.counters
        while True:  # the loader's own scheme for unnamed top-level layers: conv2d_1, conv2d_2…
            counters[base] = counters.get(base, 0) + 1
            name = f"{base}_{counters[base]}"
            if name not in frame.reserved and frame.full(name) not in taken:
                self.loader.automatic.add(frame.full(name))
                return name, False

    def explicit_names(self, items: Any, depth: int = 0) -> set[str]:
        """Names written as text in a list of entries, with those of the inline blocks it uses
        (their layers join the list); names computed by expressions are known only later."""
        out: set[str] = set()
        if not isinstance(items, list) or depth > MAX_NESTING:
            return out
        for e in items:
            if not isinstance(e, dict):
                continue
            name = e.get("name")
            if isinstance(name, int) and not isinstance(name, bool):
                name = str(name)
            if isinstance(name, str) and not _is_expr(name):
                out.add(name.removeprefix("$"))  # `$$x` is the text `$x`
            t = e.get("type")
            block = self.state.blocks.get(t) if isinstance(t, str) else None
            if block is not None and block.inline and "layers" not in e:
                out |= self.explicit_names(block.layers, depth + 1)
        return out

    def resolve(self, frame: Frame, ref: Any, pos: Pos, label: str) -> str:
        if not isinstance(ref, str) or not ref:
            raise self.fail(
                pos,
                f"from: takes layer names, got {ref!r}",
                "e.g. from: conv1 or from: [a, b]",
                label,
                "E105",
            )
        names, aliases = self.loader.names, self.loader.aliases
        f: Frame | None = frame
        visible: list[Collection[str]] = []  # joined only for a suggestion
        while f is not None:
            if ref in f.bound:
                return f.bound[ref]
            if ref in f.local:
                return f.local[ref]
            if ref in f.multi:
                outs = f.multi[ref]
                raise self.fail(
                    pos,
                    f"{ref!r} has {len(outs)} outputs; say which one",
                    f"from: {ref}.0 … {ref}.{len(outs) - 1}",
                    label,
                    "E105",
                )
            full = f.full(ref)  # a dotted path inside this list's own scope, e.g. conv.2
            if self.state.is_broken(full):
                return BROKEN
            if full in aliases or (full in names and f.scope):
                return self.output(full, pos, label)
            visible += [f.bound, f.local, f.multi]
            if f.top:
                if self.state.is_broken(ref):
                    return BROKEN
                if ref in aliases or ref in names:
                    return self.output(ref, pos, label)
                multi = list(itertools.takewhile(names.__contains__, _pieces(ref)))
                if multi:
                    raise self.fail(
                        pos,
                        f"{ref!r} has {len(multi)} outputs; say which one",
                        f"from: {ref}.0 … {ref}.{len(multi) - 1}",
                        label,
                        "E105",
                    )
                visible += [names, aliases]
            f = f.parent
        hint = self.loader.did_you_mean(ref, visible, ordered=True) or (
            "a block reads only its inputs and its own layers"
            if not frame.top
            else "name a layer defined above this one, or 'input'"
        )
        raise self.fail(pos, f"from: {ref!r} is not an earlier layer", hint, label, "E105")

    def output(self, name: str, pos: Pos, label: str) -> str:
        """A layer's name, or the output layer of a finished block instance or group."""
        if name in self.loader.aliases:
            return self.loader.aliases[name]
        if name in self.loader.scopes:
            raise self.fail(
                pos,
                f"from: {name!r} contains this layer",
                "read from a layer before it",
                label,
                "E105",
            )
        return name

    def inputs_of(
        self, frame: Frame, entry: dict[str, Any], path: PathKey, label: str
    ) -> list[str]:
        src = entry.get("from")
        pos = frame.doc.where((*path, "from"), key=True)
        if src is None:
            if frame.last_multi:
                m = frame.last_multi
                raise self.fail(
                    frame.doc.where(path),
                    f"the layer before ({m}) has several outputs; say which one",
                    f"from: {m}.0",
                    label,
                    "E105",
                )
            return [frame.last or INPUT]
        refs = src if isinstance(src, list) else [src]
        if not refs:
            raise self.fail(pos, *EMPTY_FROM, label, "E105")
        return [self.resolve(frame, r, pos, label) for r in refs]

    # ---- entries ----------------------------------------------------------------------
    def body(self, frame: Frame, items: Any, path: PathKey, label: str) -> None:
        if not isinstance(items, list) or not items:
            raise self.fail(
                frame.doc.where(path),
                "layers must be a non-empty list",
                "layers: [- {type: conv2d, …}]",
                label,
            )
        frame.reserved |= self.explicit_names(items)
        for i, entry in enumerate(items):
            p = (*path, i)
            if not isinstance(entry, dict):
                self.fail(
                    frame.doc.where(p),
                    f"a layer is a mapping with a type, got {brief(entry)}",
                    "- {type: relu}",
                    label,
                    "E002",
                )
                frame.last, frame.last_multi = BROKEN, ""
                continue
            try:
                self.entry(frame, entry, p)
            except Skip:
                self.broke(frame, entry)

    def broke(self, frame: Frame, entry: dict[str, Any]) -> None:
        """An entry failed (reported): what reads it is left out rather than reported again."""
        name = entry.get("name")
        if isinstance(name, (str, int)) and not isinstance(name, bool):
            self.state.mark_broken(frame.full(str(name)))
        frame.last, frame.last_multi = BROKEN, ""

    def entry(self, frame: Frame, entry: dict[str, Any], path: PathKey) -> None:
        doc = frame.doc
        label = (
            frame.full(entry["name"]) if isinstance(entry.get("name"), str) else frame.instance()
        )
        if "if" in entry:
            cond = self.subst(entry["if"], frame.env, doc, (*path, "if"), label)
            if not isinstance(cond, bool):
                raise self.fail(
                    doc.where((*path, "if")),
                    f"if: must be true or false, got {expr.show(cond)}",
                    "e.g. if: $stride != 1",
                    label,
                    E_EXPR,
                )
            if not cond:
                self.visit(doc, path, label)
                self.skipped(frame, entry, path, label)
                return
        if "repeat" not in entry:
            self.one(frame, entry, path, frame.env)
            return
        n = self.subst(entry["repeat"], frame.env, doc, (*path, "repeat"), label)
        if type(n) is not int or not 0 <= n <= MAX_REPEAT:
            raise self.fail(
                doc.where((*path, "repeat")),
                f"repeat: must be an integer from 0 to {MAX_REPEAT:,}, got {expr.show(n)}",
                "",
                label,
                E_BLOCK,
            )
        if n == 0:
            self.visit(doc, path, label)
            return
        scale = self.state.scale
        if scale * n > MAX_WORK:  # each repetition is a visit at least, in each enclosing one
            raise self.fail(
                doc.where((*path, "repeat")),
                f"repeat: {n:,} inside repeats of {scale:,} repetitions in all comes to "
                f"{scale * n:,}, more than the {MAX_WORK:,} entries a spec may expand",
                "check the repeat: counts of nested blocks",
                label,
                E_BLOCK,
            )
        self.state.scale = scale * n
        try:
            self.repeat(frame, entry, path, label, n)
        finally:
            self.state.scale = scale

    def repeat(
        self, frame: Frame, entry: dict[str, Any], path: PathKey, label: str, n: int
    ) -> None:
        doc = frame.doc
        env = frame.env
        name = entry.get("name")
        if name is None or _is_expr(name):
            # each repetition takes the next name in this list, or evaluates its own with i
            self.repetitions(frame, entry, path, n, named=False)
            return
        # a named repeat is a container, as nn.Sequential: layer1.0, layer1.1, …
        named = {"name": self.subst(name, env, doc, (*path, "name"), label)}  # `$$` escapes
        local, _ = self.local_name(frame, named, path, "")
        full = self.claim(frame, local, doc.where((*path, "name")), label)
        kind = entry.get("type", "group")
        self.register_scope(full, path, f"{kind} ×{n}" if isinstance(kind, str) else "group")
        inner = Frame(
            doc,
            env,
            (*frame.scope, local),
            dict(frame.bound),
            parent=frame,
            last=frame.last,
            last_multi=frame.last_multi,
            stack=frame.stack,
            depth=frame.depth + 1,
        )
        self.repetitions(inner, entry, path, n, named=True)
        self.finish_scope(frame, inner, local, full, path)

    def repetitions(
        self, frame: Frame, entry: dict[str, Any], path: PathKey, n: int, named: bool
    ) -> None:
        """Repetitions 0…n-1 of an entry, in `frame`, with `i`; only the first reads from:
        (later ones chain). A repetition that cannot emit a layer, after one of the same entry
        that expanded cleanly to the same unit, is only named and counted (`walk`, the module
        docstring)."""
        st = self.state
        walks = WALK_QUIET and (named or "name" not in entry)
        first = 1 if "from" in entry else 0  # the first repetition that reads no from:
        clean = False
        proven: set[int] = set()  # the units (interned) that a clean repetition expanded to
        for k in range(n):
            quiet = self.quiet_entry(entry, path, k) if walks else None
            walked = quiet is not None and clean and id(quiet) in proven
            if quiet is not None and walked and st.work + quiet.work <= MAX_WORK:
                st.work += quiet.work
                self.walk(frame, quiet, path, str(frame.last))
                continue
            one = {
                key: v
                for key, v in entry.items()
                if not (named and key == "name") and (k == 0 or key != "from")
            }
            problems = len(self.loader.problems)
            try:
                self.one(frame, one, path, {**frame.env, "i": k})
            except Skip:
                if not named:
                    raise
                frame.last, frame.last_multi = BROKEN, ""  # the container goes on
            # clean: no problem, none reported before (Skip without a report leaves BROKEN
            # behind), and no broken name the walked ones could meet (claim's check)
            clean = (
                k >= first
                and len(self.loader.problems) == problems
                and not st.exhausted
                and frame.last not in (None, BROKEN)
                and not frame.last_multi
                and frame.instance() not in st.broken_in
            )
            if clean and quiet is not None:
                proven.add(id(quiet))

    def walk(self, frame: Frame, unit: Quiet, path: PathKey, out: str) -> None:
        """One repetition of a quiet entry, named as `one` names it; its scopes output `out`,
        their input. local_name gives only names that no layer has, and no name is broken
        in this scope (see `repetitions`): `claim` would pass them."""
        local, _ = self.local_name(frame, {}, path, unit.base)
        if unit.inline:  # its entries take the next names of this list, as `instance` does
            inner = Frame(
                frame.doc,
                frame.env,
                frame.scope,
                frame.bound,
                positional=frame.positional,
                counter=frame.counter,
                reserved=frame.reserved,
            )
            inner.counter[0] -= 1
            self.walk_body(inner, unit, out)
            return
        full = frame.full(local)
        self.register_scope(full, path, unit.base)
        names, inside = self.loader.names, unit.inside
        if any(full + rel in names for rel in inside.named):  # local_name would avoid it
            self.walk_body(Frame(frame.doc, frame.env, (*frame.scope, local), {}), unit, out)
        else:  # the names `walk_body` would give, at once
            scopes, aliases = self.loader.scopes, self.loader.aliases
            for rel, sub, kind in inside.scopes:
                names[full + rel] = sub
                scopes[full + rel] = kind
            self.loader.automatic.update(full + rel for rel in inside.named)
            for rel in inside.ends:
                aliases[full + rel] = out
        self.loader.aliases[full] = out
        frame.local[local] = out

    def walk_body(self, inner: Frame, unit: Quiet, out: str) -> None:
        for sub, times, part in unit.body:
            for _ in range(times):
                self.walk(inner, part, sub, out)

    # ---- what cannot emit a layer (static, cached) ------------------------------------
    def quiet_entry(self, entry: dict[str, Any], path: PathKey, i: int | None) -> Quiet | None:
        """What one repetition of this entry does, if it cannot emit a layer, where `i` is
        the value of `i` it is expanded with (None: unknown, an expression reading it is not
        known); else None. Equal units are one object (`intern`)."""
        try:
            key = (id(entry), i if self.reads_own_i(entry) else None)
            cache = self.state.quiet_entries
            if key not in cache:  # the entry is kept with it: its id stays its own
                cache[key] = (entry, self.quiet_unit(entry, path, i))
        except RecursionError:  # blocks nested past any limit: expanded, and refused
            return None
        return cache[key][1]

    def reads_own_i(self, entry: dict[str, Any]) -> bool:
        """Whether the unit of one repetition depends on the `i` it is expanded with: an
        entry of its body reads it in `if:` or `repeat:`, or inside it where it does not
        repeat itself (a repeating entry gives its own `i` to its body)."""
        cache = self.state.reads_i
        if id(entry) not in cache:
            body = entry.get("layers")
            if isinstance(body, list):
                reads = any(not isinstance(e, dict) or self.free_i(e) for e in body)
            else:  # a block instance: its arguments; its body has none of the enclosing names
                rest = [v for k, v in entry.items() if k not in ("name", "from", "repeat", "if")]
                reads = _reads_i(rest)
            cache[id(entry)] = (entry, reads)
        return cache[id(entry)][1]

    def free_i(self, entry: dict[str, Any]) -> bool:
        """Whether an entry reads the `i` of the body it is in."""
        if _reads_i([entry.get("if"), entry.get("repeat")]):
            return True
        return "repeat" not in entry and self.reads_own_i(entry)

    def quiet_unit(self, entry: dict[str, Any], path: PathKey, i: int | None) -> Quiet | None:
        """A repetition of a group or block instance, if it cannot emit a layer."""
        if "layers" in entry:
            body = self.quiet_body(entry["layers"], (*path, "layers"), i)
            return None if body is None else self.intern("group", False, *body)
        t = entry.get("type")
        block = self.state.blocks.get(t) if isinstance(t, str) else None
        if block is None or self.reads_own_i(entry):  # arguments that read i differ
            return None
        cache = self.state.quiet_blocks
        if block.name not in cache:  # its body reads its arguments only: no `i`
            body = self.quiet_body(block.layers, (*block.path, "layers"), None)
            cache[block.name] = (
                None if body is None else self.intern(block.name, block.inline, *body)
            )
        return cache[block.name]

    def quiet_body(
        self, items: Any, path: PathKey, i: int | None
    ) -> tuple[tuple[tuple[PathKey, int, Quiet], ...], int] | None:
        """The entries of a body that are expanded, in runs of equal repetitions, with the
        entries it visits, if each one is left out by an `if:` that only `i` decides or is a
        quiet group or block; no name, no from:, and no more than MAX_WORK entries visited."""
        if not isinstance(items, list) or not items:
            return None
        parts: list[tuple[PathKey, int, Quiet]] = []
        work = 0
        for n, e in enumerate(items):
            if not isinstance(e, dict) or "name" in e or "from" in e:
                return None
            sub = (*path, n)
            if "if" in e and (cond := _known(e["if"], i)) is not True:
                if cond is not False:
                    return None
                work += 1  # visited, left out
                continue
            times = _known(e.get("repeat", 1), i)
            if type(times) is not int or not 0 <= times <= MAX_REPEAT:
                return None
            if times == 0:
                work += 1  # repeat: 0
                continue
            if "repeat" not in e:  # expanded once, with the enclosing `i`
                runs = [self.quiet_entry(e, sub, i)]
            elif self.reads_own_i(e):  # each repetition with its own
                runs = [self.quiet_entry(e, sub, k) for k in range(times)]
            else:
                runs = [self.quiet_entry(e, sub, None)] * times
            start = 0  # runs of one unit (equal units are one object)
            while start < len(runs):
                unit = runs[start]
                if unit is None:
                    return None
                end = start + 1
                while end < len(runs) and runs[end] is unit:
                    end += 1
                parts.append((sub, end - start, unit))
                work += (end - start) * unit.work
                start = end
            if work > MAX_WORK:
                return None  # never walked: the expansion reports the limit where it is met
        return tuple(parts), work

    def intern(
        self, base: str, inline: bool, body: tuple[tuple[PathKey, int, Quiet], ...], work: int
    ) -> Quiet | None:
        """The one unit with these parts (its entries' units are interned, so compared by
        identity); None where one repetition visits more than MAX_WORK entries."""
        if work + 1 > MAX_WORK:
            return None
        key = (base, inline, tuple((sub, times, id(unit)) for sub, times, unit in body), work + 1)
        units = self.state.quiet_units
        if key not in units:
            units[key] = Quiet(base, inline, body, work + 1)
        return units[key]

    def skipped(self, frame: Frame, entry: dict[str, Any], path: PathKey, label: str) -> None:
        """An entry left out by `if:` stands for its input, as torch's `downsample=None` means
        identity: `from: [bn2, downsample]` reads the block's input when there is no downsample."""
        name = self.subst(entry.get("name"), frame.env, frame.doc, (*path, "name"), label)
        if not isinstance(name, str) or not name or "." in name or name in frame.bound:
            return
        src = self.subst(entry.get("from"), frame.env, frame.doc, (*path, "from"), label)
        if isinstance(src, list) and len(src) != 1:
            return
        refs = self.inputs_of(frame, {"from": src} if src is not None else {}, path, label)
        frame.local[name] = refs[0]

    def register_scope(self, full: str, path: PathKey, kind: str) -> None:
        self.loader.names[full] = path
        self.loader.scopes[full] = kind

    def finish_scope(
        self, outer: Frame, inner: Frame, local: str, full: str, path: PathKey
    ) -> None:
        if inner.last_multi:
            self.state.mark_broken(full)
            raise self.fail(
                outer.doc.where(path),
                f"{full!r} ends with a layer of several outputs ({inner.last_multi})",
                "end it with a layer that reads one of them, e.g. a concat",
                full,
                "E105",
            )
        out = inner.last or INPUT
        if out == BROKEN:
            self.state.mark_broken(full)
        else:
            self.loader.aliases[full] = out
        outer.local[local] = out
        outer.last, outer.last_multi = out, ""

    def visit(self, doc: Document, path: PathKey, label: str) -> None:
        """Count one entry visited; past MAX_WORK, stop expanding (reported once)."""
        st = self.state
        st.work += 1
        if st.work > MAX_WORK:
            if st.exhausted:
                raise Skip()
            st.exhausted = True
            raise self.fail(
                doc.where(path),
                f"the spec's expansion visits more than {MAX_WORK:,} entries "
                "(repetitions, block instances, groups, entries left out by if:)",
                "check repeat: counts and blocks that use blocks, or that emit nothing",
                label,
            )

    def one(self, frame: Frame, raw: dict[str, Any], path: PathKey, env: dict[str, Value]) -> None:
        """One entry, one repetition: a group, a block instance or a layer."""
        doc = frame.doc
        label = frame.full(raw["name"]) if isinstance(raw.get("name"), str) else frame.instance()
        self.visit(doc, path, label)
        if frame.depth > MAX_NESTING:
            raise self.fail(
                doc.where(path), f"blocks and groups nested deeper than {MAX_NESTING}", "", label
            )
        entry = {
            k: (v if k == "layers" else self.subst(v, env, doc, (*path, k), label))
            for k, v in raw.items()
            if k not in CONTROL_KEYS
        }
        for k, v in entry.items():  # `[$big, $big, …]`: computed lists shared many times over
            if k != "layers" and isinstance(v, (list, dict)):
                try:
                    expr.size(v, limit=MAX_FIELD_ITEMS)
                except ExprError as err:
                    where = doc.where((*path, k))
                    raise self.fail(where, f"{k}: {err.message}", err.hint, label, E_EXPR) from None
        if "layers" in entry:
            self.group(frame, entry, path, env)
            return
        t = entry.get("type")
        if isinstance(t, str) and t in self.state.blocks:
            self.instance(frame, self.state.blocks[t], entry, path)
            return
        if isinstance(t, str) and t in self.state.bad_blocks:
            raise Skip()  # its definition's problem is reported
        if not isinstance(t, str):
            raise self.fail(
                doc.where(path),
                "a layer needs a 'type'" if t is None else f"type must be a name, got {t!r}",
                "e.g. type: conv2d, or the name of a block",
                label,
                "E003",
            )
        found = registry.lookup(t)
        if found is None and self.state.partial:
            raise Skip()  # perhaps a block of the include that failed (reported)
        if found is None:
            hint = registry.suggest(t, [*registry.canonical_names(), *self.state.blocks])
            raise self.fail(
                doc.where((*path, "type")),
                f"unknown layer type or block {t!r}",
                hint or "cnncalc types lists layer types; blocks: defines blocks",
                label,
                "E003",
            )
        self.leaf(frame, entry, path, found[0])

    def group(
        self, frame: Frame, entry: dict[str, Any], path: PathKey, env: dict[str, Value]
    ) -> None:
        doc = frame.doc
        label = self.label(frame, entry)
        for key in entry:
            if key not in GROUP_KEYS:
                what = (
                    "a group (an entry with layers:)"
                    if key != "type"
                    else "an entry with layers: (a group)"
                )
                raise self.fail(
                    doc.where((*path, key), key=True),
                    f"{what} takes no {key!r}",
                    f"a group takes {', '.join(GROUP_KEYS)}",
                    label,
                    E_BLOCK,
                )
        refs = self.inputs_of(frame, entry, path, label)
        if len(refs) != 1:
            raise self.fail(
                doc.where((*path, "from"), key=True), "a group reads one input", "", label, "E105"
            )
        local, _ = self.local_name(frame, entry, path, "group")
        full = self.claim(frame, local, doc.where((*path, "name")), label)
        self.register_scope(full, path, "group")
        inner = Frame(
            doc,
            env,
            (*frame.scope, local),
            {INPUT: refs[0]},
            parent=frame,
            last=refs[0],
            stack=frame.stack,
            depth=frame.depth + 1,
        )
        if refs[0] == BROKEN:
            self.state.mark_broken(full)
            frame.last, frame.last_multi = BROKEN, ""
            return
        self.body(inner, entry["layers"], (*path, "layers"), full)
        self.finish_scope(frame, inner, local, full, path)

    def instance(self, frame: Frame, block: BlockDef, entry: dict[str, Any], path: PathKey) -> None:
        doc = frame.doc
        label = self.label(frame, entry)
        given = self.check_use(frame, block, entry, path, label)
        refs = self.inputs_of(frame, entry, path, label)
        if len(refs) != len(block.inputs):
            raise self.fail(
                doc.where((*path, "from"), key=True),
                f"block {block.name!r} takes {len(block.inputs)} input(s) "
                f"({', '.join(block.inputs)}), got {len(refs)}",
                "list them in from:",
                label,
                "E105",
            )
        local, _ = self.local_name(frame, entry, path, block.name)
        inline = block.inline
        full = (
            frame.instance()
            if inline
            else self.claim(frame, local, doc.where((*path, "name")), label)
        )
        env = self.arguments(frame, block, given, path, label, full)
        if BROKEN in refs:
            if not inline:
                self.state.mark_broken(full)
            frame.last, frame.last_multi = BROKEN, ""
            return
        if not inline:
            self.register_scope(full, path, block.name)
        scope = frame.scope if inline else (*frame.scope, local)
        inner = Frame(
            block.doc,
            env,
            scope,
            dict(zip(block.inputs, refs, strict=True)),
            last=refs[0],
            positional=frame.positional if inline else True,
            counter=frame.counter if inline else [0],
            reserved=frame.reserved if inline else set(),
            stack=(*frame.stack, block.name),
            depth=frame.depth + 1,
        )
        if inline:
            inner.counter[0] -= 1  # the instance takes no position itself; its layers do
        self.body(inner, block.layers, (*block.path, "layers"), full)
        if inline:
            frame.last, frame.last_multi = inner.last, inner.last_multi
        else:
            self.finish_scope(frame, inner, local, full, path)

    def check_use(
        self, frame: Frame, block: BlockDef, entry: dict[str, Any], path: PathKey, label: str
    ) -> dict[str, Any]:
        """Refuse a use of a block inside itself, unknown arguments and a name for an inline
        block; returns the arguments given."""
        doc = frame.doc
        if block.name in frame.stack:
            chain = " → ".join((*frame.stack[frame.stack.index(block.name) :], block.name))
            raise self.fail(
                doc.where((*path, "type")),
                f"block {block.name!r} uses itself ({chain})",
                "a block cannot contain itself, directly or through other blocks",
                label,
                E_CYCLE,
            )
        given = {k: v for k, v in entry.items() if k not in ("name", "type", "from")}
        for key in given:
            if key not in block.args:
                hint = registry.suggest(key, list(block.args))
                raise self.fail(
                    doc.where((*path, key), key=True),
                    f"block {block.name!r} has no argument {key!r}",
                    hint or f"its arguments: {', '.join(block.args) or 'none'}",
                    label,
                    E_BLOCK,
                )
        if block.inline and entry.get("name") is not None:
            raise self.fail(
                doc.where((*path, "name"), key=True),
                f"block {block.name!r} is inline: its layers join this list and it takes no name",
                "remove name:, or make the block not inline",
                label,
                E_BLOCK,
            )
        return given

    def arguments(
        self,
        frame: Frame,
        block: BlockDef,
        given: dict[str, Any],
        path: PathKey,
        label: str,
        full: str,
    ) -> dict[str, Value]:
        """An instance's values: each argument, as given or by default, then each let. A
        block the spec itself defines also reads the spec's arguments (its own win); an
        included file's blocks read only what they are given."""
        env: dict[str, Value] = dict(self.loader.args) if block.doc is self.loader.doc else {}
        for name, default in block.args.items():
            if name in given:
                try:
                    env[name] = from_yaml(given[name])
                except ExprError as err:
                    raise self.fail(
                        frame.doc.where((*path, name)),
                        f"argument {name!r}: {err.message}",
                        err.hint,
                        label,
                    ) from None
                except ValueError:
                    raise self.fail(
                        frame.doc.where((*path, name)),
                        f"argument {name!r} must be a number, text, boolean or list",
                        "",
                        label,
                        E_BLOCK,
                    ) from None
            elif default is None:
                raise self.fail(
                    frame.doc.where(path),
                    f"block {block.name!r} needs argument {name!r}",
                    f"add {name}: … (its arguments: {', '.join(block.args)})",
                    label,
                    E_BLOCK,
                )
            else:
                env[name] = self.value(block, default, env, ("args", name), full)
        for name, value in block.lets.items():
            env[name] = self.value(block, value, env, ("let", name), full)
        return env

    def value(
        self, block: BlockDef, raw: Any, env: dict[str, Value], sub: PathKey, label: str
    ) -> Value:
        v = self.subst(raw, env, block.doc, (*block.path, *sub), label)
        try:
            return from_yaml(v)
        except ExprError as err:
            raise self.fail(block.pos(*sub), f"{sub[-1]}: {err.message}", err.hint, label) from None
        except ValueError:
            raise self.fail(
                block.pos(*sub),
                f"{sub[-1]} must be a number, text, boolean or list",
                "",
                label,
                E_BLOCK,
            ) from None

    def leaf(self, frame: Frame, entry: dict[str, Any], path: PathKey, cls: type[Layer]) -> None:
        doc = frame.doc
        label = self.label(frame, entry)
        refs = self.inputs_of(frame, entry, path, label)
        found = registry.lookup(str(entry["type"]))
        local, explicit = self.local_name(
            frame, entry, path, found[1] if found else str(entry["type"])
        )
        full = self.claim(frame, local, doc.where((*path, "name")), label)
        data = {k: v for k, v in entry.items() if k != "name"}
        if explicit:
            data["name"] = local
        before = len(self.loader.problems)
        layer = self.loader.layer(data, path, doc)
        if layer is None:
            self.relabel(before, full)
            self.explain_floats(frame, path, before)
            self.state.mark_broken(full)
            raise Skip()
        if layer.ARITY is not None and len(refs) != layer.ARITY:
            raise self.fail(
                doc.where((*path, "from"), key=True),
                f"{layer.type} takes {layer.ARITY} input, got {len(refs)}",
                "merge inputs with add or concat first",
                full,
                "E105",
            )
        if layer.activation is not None and not layer.SHORTHAND_ACTIVATION:
            raise self.fail(
                doc.where((*path, "activation"), key=True),
                "an activation cannot take activation:",
                "",
                full,
                "E002",
            )
        if BROKEN in refs:
            self.state.mark_broken(full)
            frame.last, frame.last_multi = BROKEN, ""
            return
        pieces = layer.outputs() if isinstance(layer, MultiOutput) and layer.piece is None else 0
        if pieces:
            names = [f"{full}.{k}" for k in range(pieces)]
            for k, name in enumerate(names):
                self.emit(
                    Node(
                        name,
                        layer.model_copy(update={"piece": k}),
                        tuple(refs),
                        doc,
                        path,
                        frame.scope,
                    )
                )
            frame.multi[local] = names
            for k, name in enumerate(names):
                frame.local[f"{local}.{k}"] = name
            frame.last, frame.last_multi = None, local
            return
        self.emit(Node(full, layer, tuple(refs), doc, path, frame.scope))
        frame.local[local] = full
        frame.last, frame.last_multi = full, ""

    def relabel(self, since: int, full: str) -> None:
        """Problems the loader found inside a block name the instance's layer (layer2.1.conv1)."""
        probs = self.loader.problems
        probs[since:] = [replace(p, layer=full) for p in probs[since:]]

    def explain_floats(self, frame: Frame, path: PathKey, since: int) -> None:
        """A float where an integer belongs, computed by `$…`: say where it was computed and
        that `//` divides to an integer (`/` always gives a float, as in Python)."""
        raw: Any = frame.doc.data
        try:
            for k in path:
                raw = raw[k]
        except (KeyError, IndexError, TypeError):
            return
        probs = self.loader.problems
        for j in range(since, len(probs)):
            p = probs[j]
            key = p.message.split(":", 1)[0]
            value = raw.get(key) if isinstance(raw, dict) else None
            if "(a float)" not in p.message or p.hint:
                continue
            at: list[PathKey] = (
                [(*path, key, i) for i in range(len(value))]
                if isinstance(value, list)
                else [(*path, key)]
            )
            for src, sub in zip(value if isinstance(value, list) else [value], at, strict=True):
                if isinstance(src, str) and src.startswith("$") and not src.startswith("$$"):
                    hint = self.float_origin(frame, src[1:])
                    if hint:  # at the `$…` that computed it (an item of a list too)
                        probs[j] = replace(p, pos=frame.doc.where(sub), hint=hint)
                        break

    def float_origin(self, frame: Frame, src: str) -> str:
        try:
            toks = expr.tokenize(src)
        except ExprError:
            return ""
        slashes = [t.col for t in toks if t.kind == "op" and t.text == "/"]
        if slashes:
            starts, ends = [0, *(c + 1 for c in slashes)], [*slashes, len(src)]
            fixed = "//".join(src[a:b] for a, b in zip(starts, ends, strict=True)).strip()
            return f"/ always gives a float; ${fixed} divides to an integer"
        block = self.state.blocks.get(frame.stack[-1]) if frame.stack else None
        for t in toks:
            if block is None or t.kind != "name" or t.text not in block.lets:
                continue
            made, value = block.lets[t.text], frame.env.get(t.text)
            if isinstance(value, float) and isinstance(made, str) and "/" in made:
                where = block.pos("let", t.text)
                return f"let {t.text} = {made} at {where} gives the float {value!r}; use // there"
        return ""

    def emit(self, node: Node) -> None:
        self.state.emitted += 1
        if self.state.emitted > MAX_NODES:
            raise self.fail(
                node.where(),
                f"the spec expands to more than {MAX_NODES:,} layers",
                "check repeat: counts and blocks that use blocks",
                node.name,
            )
        self.loader.names[node.name] = node.path
        self.loader.nodes.append(node)


def _constant(v: Any) -> Any:
    """A value as `subst` gives it whatever the names (an expression with none), else None:
    evaluating without names succeeds only where no name is read."""
    if not _is_expr(v):
        return v  # as written, or `$$…` text: neither is true, false or a number
    try:
        return expr.eval_text(v[1:], {})
    except (ExprError, ArithmeticError, ValueError, TypeError, RecursionError):
        return None


def _known(v: Any, i: int | None) -> Any:
    """A value as `subst` gives it where `i` (if known) is the only name: else None."""
    if i is None or not _is_expr(v):
        return _constant(v)
    try:
        return expr.eval_text(v[1:], {"i": i})
    except (ExprError, ArithmeticError, ValueError, TypeError, RecursionError):
        return None


def _reads_i(value: Any) -> bool:
    """Whether an expression anywhere in a value reads `i` (or cannot be read)."""
    todo = [value]
    while todo:
        v = todo.pop()
        if isinstance(v, dict):
            todo.extend(v.values())
        elif isinstance(v, list):
            todo.extend(v)
        elif _is_expr(v):
            try:
                toks = expr.tokenize(v[1:])
            except ExprError:
                return True
            if any(t.kind == "name" and t.text == "i" for t in toks):
                return True
    return False


# ---- the library of blocks ------------------------------------------------------------
def _outside_allowed() -> bool:
    return os.environ.get(ALLOW_OUTSIDE_ENV, "") not in ("", "0")


class LibraryLoader:
    """Reads `blocks:` of the spec and of every file it includes."""

    def __init__(self, loader: Loader) -> None:
        self.loader = loader
        self.blocks: dict[str, BlockDef] = {}
        self.bad: set[str] = set()  # names whose definition failed
        self.partial = False  # an include failed: unknown types may be its blocks
        base = loader.doc.file
        self.root = (
            Path(base).resolve().parent if not base.startswith("<") else Path.cwd().resolve()
        )
        # a family's specs in a subfolder (specs/resnet/) share the block libraries of the
        # `blocks/` folder beside it (specs/blocks/): that folder, never a symlink, and no other
        shared = self.root.parent / "blocks"
        self.shared = shared if shared.is_dir() and not shared.is_symlink() else None
        self.done: set[Path] = set()
        self.files = 0

    def fail(self, pos: Pos, message: str, hint: str = "", code: str = E_BLOCK) -> None:
        self.partial = self.partial or code == E_INCLUDE
        self.loader.fail(pos, message, hint, "", code)

    def read(self, doc: Document, chain: tuple[Path, ...]) -> None:
        data = doc.data if isinstance(doc.data, dict) else {}
        self.includes(doc, data.get("include"), chain)
        blocks = data.get("blocks")
        if blocks is None:
            return
        if not isinstance(blocks, dict):
            self.fail(
                doc.where(("blocks",)),
                "blocks must map block names to definitions",
                "blocks: {basic: {args: …, layers: […]}}",
            )
            return
        for name, body in blocks.items():
            self.define(doc, str(name), body)

    def includes(self, doc: Document, value: Any, chain: tuple[Path, ...]) -> None:
        if value is None:
            return
        items = value if isinstance(value, list) else [value]
        base = chain[-1].parent if chain else self.root  # the real folder, not the name shown
        for i, item in enumerate(items):
            path: PathKey = ("include", i) if isinstance(value, list) else ("include",)
            pos = doc.where(path)
            target = self.target(item, pos, base, chain)
            if target is None or target in self.done:
                continue  # refused (reported), or included already along another path
            self.files += 1
            if self.files > MAX_INCLUDES or len(chain) > 16:
                self.fail(
                    pos,
                    f"more than {MAX_INCLUDES} included files (or nested deeper than 16)",
                    "",
                    E_INCLUDE,
                )
                return
            sub = self.document(doc, item, pos, target)
            if sub is not None:
                self.done.add(target)
                self.read(sub, (*chain, target))

    def target(self, item: Any, pos: Pos, base: Path, chain: tuple[Path, ...]) -> Path | None:
        """The file an include: item names, if it may be read (a problem is reported if not)."""
        if not isinstance(item, str) or not item:
            self.fail(
                pos,
                f"include: takes file paths, got {item!r}",
                "include: [blocks/resnet.yaml]",
                E_INCLUDE,
            )
            return None
        try:  # a NUL or an over-long name: the OS refuses the path itself
            target = (base / item).resolve()
            target.is_file()
        except RuntimeError:  # Python 3.11-3.12's resolve() on a loop of symlinks
            self.fail(pos, f"include {item!r}: not a usable path (a symlink loop)", "", E_INCLUDE)
            return None
        except (OSError, ValueError) as err:
            why = getattr(err, "strerror", None) or str(err)
            self.fail(pos, f"include {item!r}: not a usable path ({why})", "", E_INCLUDE)
            return None
        if not _outside_allowed() and self.root_of(target) is None:
            self.outside(pos, item)
            return None
        if target in chain:
            names = " → ".join(p.name for p in (*chain[chain.index(target) :], target))
            self.fail(
                pos,
                f"include cycle: {names}",
                "a file cannot include itself, directly or through others",
                E_INCLUDE,
            )
            return None
        return target

    def root_of(self, target: Path) -> Path | None:
        """The folder an include may read `target` from: the spec's, or the shared blocks/."""
        for root in (self.root, self.shared):
            if root is not None and target.is_relative_to(root):
                return root
        return None

    def outside(self, pos: Pos, item: str) -> None:
        self.fail(
            pos,
            f"include {item!r} is outside the spec's folder ({self.root})",
            "keep included files beside the spec or below it, or in the blocks/ folder beside "
            f"the spec's folder, or set {ALLOW_OUTSIDE_ENV}=1",
            E_INCLUDE,
        )

    def document(self, doc: Document, item: str, pos: Pos, target: Path) -> Document | None:
        """The included file, read and parsed (None after reporting why it cannot be)."""
        try:  # exactly the file checked above, and only a regular file
            raw = read_regular(
                target, None if _outside_allowed() else self.root_of(target) or self.root
            )
        except Refused as why:
            if why.outside:
                self.outside(pos, item)
            else:
                self.fail(pos, f"include {item!r} {why.reason}", "", E_INCLUDE)
            return None
        except OSError as err:
            self.fail(
                pos,
                f"include {item!r}: no such file ({target})"
                if isinstance(err, FileNotFoundError)
                else f"include {item!r}: cannot read ({err.strerror or err})",
                "paths are relative to the including file",
                E_INCLUDE,
            )
            return None
        # named relative to the spec as given, as the spec's own positions are, when that
        # name reaches the same file; else by its real path
        shown = os.path.normpath(os.path.join(os.path.dirname(doc.file), item))
        if os.path.realpath(shown) != str(target):
            shown = str(target)
        try:
            return parse_text(decode(raw, shown), shown)
        except SpecError as err:
            self.loader.problems.extend(err.problems)
            self.partial = True
        except CnncalcError as err:
            self.fail(pos, f"include {item!r}: {err}", "", E_INCLUDE)
        return None

    def define(self, doc: Document, name: str, body: Any) -> None:
        path: PathKey = ("blocks", name)
        if not self.usable_name(doc, name, path):
            return
        if not isinstance(body, dict):
            self.fail(
                doc.where(path),
                f"block {name!r} must be a mapping with layers",
                "basic: {args: {…}, layers: […]}",
            )
            return
        block = self.definition(doc, name, path, body)
        if block is None:
            self.bad.add(name)
        else:
            self.blocks[name] = block

    def usable_name(self, doc: Document, name: str, path: PathKey) -> bool:
        """Whether a block may take this name (a problem is reported where not)."""
        pos = doc.where(path, key=True)
        if not NAME.fullmatch(name) or name in expr.RESERVED:
            self.fail(
                pos, f"bad block name {name!r}", "letters, digits and _, not starting with a digit"
            )
            return False
        if registry.lookup(name) is not None:
            self.fail(
                pos,
                f"block name {name!r} is a layer type",
                "name blocks differently from layer types",
            )
            self.bad.add(name)
            return False
        if name in self.blocks:
            first = self.blocks[name]
            where = first.pos(key=True)
            self.fail(
                pos, f"block {name!r} is defined twice (first at {where})", "rename one of them"
            )
            return False
        return True

    def definition(
        self, doc: Document, name: str, path: PathKey, body: dict[Any, Any]
    ) -> BlockDef | None:
        """The block a definition's mapping describes; None after reporting its problems."""
        ok = True
        for key in body:
            if key not in BLOCK_KEYS:
                hint = registry.suggest(str(key), list(BLOCK_KEYS))
                self.fail(
                    doc.where((*path, key), key=True),
                    f"unknown key {key!r} in block {name!r}",
                    hint or f"a block takes {', '.join(BLOCK_KEYS)}",
                )
                ok = False
        args = self.names_map(doc, path, "args", body.get("args"))
        lets = self.names_map(doc, path, "let", body.get("let"))
        inputs = body.get("inputs", [INPUT])
        if not (
            isinstance(inputs, list)
            and inputs
            and all(isinstance(x, str) and NAME.fullmatch(x) for x in inputs)
            and len(set(inputs)) == len(inputs)
        ):
            self.fail(
                doc.where((*path, "inputs")),
                "inputs must be a list of distinct names",
                "inputs: [x, skip]",
            )
            ok = False
        for clash in set(args or {}) & set(lets or {}):
            self.fail(
                doc.where((*path, "let", clash), key=True),
                f"{clash!r} is both an argument and a let",
                "",
            )
            ok = False
        inline = body.get("inline", False)
        if not isinstance(inline, bool):
            self.fail(doc.where((*path, "inline")), "inline must be true or false")
            ok = False
        layers = body.get("layers")
        if not isinstance(layers, list) or not layers:
            self.fail(
                doc.where((*path, "layers") if "layers" in body else path),
                f"block {name!r} needs a non-empty layers: list",
                "layers: [- {type: conv2d, …}]",
            )
            ok = False
        if ok and args is not None and lets is not None and isinstance(layers, list):
            return BlockDef(name, doc, path, args, lets, tuple(inputs), layers, inline)
        return None

    def names_map(
        self, doc: Document, path: PathKey, key: str, value: Any
    ) -> dict[str, Any] | None:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(
                doc.where((*path, key)),
                f"{key} must map names to values",
                f"{key}: {{planes, stride: 1}}",
            )
            return None
        for k in value:
            if (
                not isinstance(k, str)
                or not NAME.fullmatch(k)
                or k in expr.RESERVED
                or k in expr.FUNCTIONS
                or k == "i"
            ):
                self.fail(
                    doc.where((*path, key, k), key=True),
                    f"bad {key} name {k!r}",
                    "a name: letters, digits, _; not a function name or 'i' (the repeat index)",
                )
                return None
        return dict(value)

    def check_cycles(self) -> set[str]:
        """Refuse blocks that use themselves, directly or through others (by literal type:);
        returns the blocks on a cycle."""
        uses: dict[str, list[tuple[str, PathKey]]] = {}
        for b in self.blocks.values():
            found: list[tuple[str, PathKey]] = []
            self._uses(b.layers, (*b.path, "layers"), found)
            uses[b.name] = found
        state: dict[str, int] = {}  # 1: on the path, 2: done
        bad: set[str] = set()

        def visit(name: str, trail: list[str]) -> None:
            state[name] = 1
            for used, where in uses.get(name, []):
                if state.get(used) == 1:
                    loop = [*trail[trail.index(used) :], name] if used in trail else [name]
                    bad.update(loop)
                    chain = " → ".join((*loop, used))
                    doc = self.blocks[name].doc
                    self.fail(
                        doc.where((*where, "type")),
                        f"block {used!r} uses itself ({chain})",
                        "a block cannot contain itself, directly or through other blocks",
                        E_CYCLE,
                    )
                elif used not in state:
                    visit(used, [*trail, name])
            state[name] = 2

        for name in self.blocks:
            if name not in state:
                visit(name, [])
        return bad

    def _uses(self, items: Any, path: PathKey, out: list[tuple[str, PathKey]]) -> None:
        if not isinstance(items, list):
            return
        for i, e in enumerate(items):
            if not isinstance(e, dict):
                continue
            t = e.get("type")
            if isinstance(t, str) and t in self.blocks:
                out.append((t, (*path, i)))
            if "layers" in e:
                self._uses(e["layers"], (*path, i, "layers"), out)


def _needs_us(entry: dict[str, Any], st: State, last: str) -> bool:
    t = entry.get("type")
    if (
        "layers" in entry
        or "repeat" in entry
        or "if" in entry
        or (isinstance(t, str) and (t in st.blocks or t in st.bad_blocks))
    ):
        return True
    if isinstance(t, str):
        found = registry.lookup(t)
        if found is not None and issubclass(found[0], MultiOutput):
            return True
        if found is None and (st.blocks or st.bad_blocks or st.partial):  # suggest block names too
            return True
    if "from" not in entry and st.top.last != last:  # the loader would take the last node
        return True

    def has_expr(v: Any) -> bool:
        if isinstance(v, str):
            return v.startswith("$")
        if isinstance(v, list):
            return any(has_expr(x) for x in v)
        if isinstance(v, dict):
            return any(has_expr(x) for x in v.values())
        return False

    if has_expr(entry):
        return True
    src = entry.get("from")
    refs = src if isinstance(src, list) else [src]
    return any(
        isinstance(r, str)
        and (st.is_broken(r) or r in st.top.multi or r in st.top.local or r in st.bad_blocks)
        for r in refs
    )
