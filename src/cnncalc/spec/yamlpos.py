"""YAML into plain data plus a map from data paths to source positions.

We read the parser's event stream (libyaml where installed) and build the data ourselves,
without PyYAML's composer or constructor, so that

- nothing but plain data is ever built: strings, numbers, booleans, null, lists and mappings
  with the standard tags; any other tag (`!!python/object`, `!!binary`, `!foo`) is refused;
- every value and key keeps its position, and duplicate keys are refused;
- hostile input stops early, in bounded time and memory: nesting deeper than MAX_DEPTH is
  refused as soon as it is opened (libyaml's composer recurses in C and crashes on deep
  input; its scanner slows quadratically with flow depth, so we never let it go deep; where
  it scans ahead to its own limit first, the pure-Python parser answers instead), and
  an anchor's size is known when it is closed, so an alias bomb is refused on the alias
  that would take the document past MAX_NODES values, before anything is expanded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cnncalc.errors import Pos, Problem, SpecError, UsageError

try:  # libyaml is much faster where it is installed; same semantics
    from yaml import CSafeLoader as _Loader

    _C_PARSER = True
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    _C_PARSER = False

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 16 * 1024 * 1024  # a spec is a short text file
MAX_NODES = 200_000  # values in the document, aliases counted at their expanded size
MAX_DEPTH = 100  # lists and mappings inside each other
MAX_INT_DIGITS = 100  # digits of one integer literal (10^30 channels is fine)

_YAML = "tag:yaml.org,2002:"
_SEQ, _MAP, _STR, _INT = _YAML + "seq", _YAML + "map", _YAML + "str", _YAML + "int"
_NULL, _BOOL, _FLOAT = _YAML + "null", _YAML + "bool", _YAML + "float"
_TIMESTAMP = _YAML + "timestamp"  # a plain 2024-01-01: kept as the text the author wrote
_constructor = yaml.constructor.SafeConstructor()
_RESOLVED: dict[str, str] = {}  # plain scalar -> its implicit tag (a regex match per scalar)
# called directly: construct_object would remember every node in the shared constructor
_CONSTRUCT = {
    _NULL: _constructor.construct_yaml_null,
    _BOOL: _constructor.construct_yaml_bool,
    _INT: _constructor.construct_yaml_int,
    _FLOAT: _constructor.construct_yaml_float,
}


@dataclass
class Document:
    """Parsed YAML data with the source position of every key and value."""

    file: str
    data: Any
    values: dict[PathKey, Pos] = field(default_factory=dict)
    keys: dict[PathKey, Pos] = field(default_factory=dict)

    def where(self, path: PathKey, *, key: bool = False) -> Pos:
        """Position of `path`, or of its nearest ancestor present in the file."""
        table = self.keys if key else self.values
        for n in range(len(path), -1, -1):
            sub = path[:n]
            if sub in table:
                return table[sub]
            if sub in self.values:
                return self.values[sub]
        return Pos(self.file, 1, 1)


def _problem(pos: Pos, message: str, hint: str = "") -> SpecError:
    return SpecError([Problem(pos, message, hint, code="E001")])


@dataclass
class _Open:
    """A list or mapping being built: its data, where it is, and what its anchor will hold."""

    data: list[Any] | dict[str, Any]
    path: PathKey
    anchor: str | None
    first: int  # the node count when it opened, for its anchor's size
    height: int = 1  # levels of nesting inside it, itself included
    key: str | None = None  # a mapping's key waiting for its value


@dataclass(frozen=True, slots=True)
class _Anchor:
    value: Any
    size: int  # values it holds, itself included
    height: int


def _copy(v: Any) -> Any:
    """An alias's own copy (so no caller can change two places at once); its size and depth
    were checked against the limits before this is called."""
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


class _Builder:
    def __init__(self, file: str, loader: Any) -> None:
        self.file = file
        self.loader = loader
        self.doc = Document(file, None)
        self.stack: list[_Open] = []
        self.anchors: dict[str, _Anchor] = {}
        self.count = 0
        self.root: Any = None

    def pos(self, event: yaml.Event) -> Pos:
        m = event.start_mark
        return Pos(self.file, m.line + 1, m.column + 1) if m is not None else Pos(self.file, 1, 1)

    def run(self) -> Document:
        loader = self.loader
        seen_document = False
        while (event := loader.get_event()) is not None:
            if isinstance(event, yaml.ScalarEvent):  # the common case first
                self.node(event)
            elif isinstance(event, yaml.DocumentStartEvent):
                if seen_document:
                    pos = self.pos(event)
                    raise _problem(pos, "more than one YAML document", "one spec per file")
                seen_document = True
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                self.close()
            elif isinstance(event, yaml.NodeEvent):
                self.node(event)
        if not seen_document or self.root is None:
            hint = "write a spec: name, input, layers"
            raise _problem(Pos(self.file, 1, 1), "the file is empty", hint)
        self.doc.data = self.root
        return self.doc

    # ---- one node ---------------------------------------------------------------------
    def node(self, event: yaml.NodeEvent) -> None:
        top = self.stack[-1] if self.stack else None
        if isinstance(top, _Open) and isinstance(top.data, dict) and top.key is None:
            self.key(top, event)
            return
        path = self.child_path(top)
        pos = self.pos(event)
        if len(path) > MAX_DEPTH:
            raise _problem(pos, f"nesting deeper than {MAX_DEPTH} levels", "flatten the spec")
        if isinstance(event, yaml.AliasEvent):
            self.alias(event, path, pos)
            return
        self.grow(1, pos)
        self.doc.values.setdefault(path, pos)
        anchor = event.anchor
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            want = _SEQ if isinstance(event, yaml.SequenceStartEvent) else _MAP
            if event.tag not in (None, "!", want):
                raise self.bad_tag(event.tag, pos)
            data: list[Any] | dict[str, Any] = [] if want == _SEQ else {}
            self.stack.append(_Open(data, path, anchor, self.count))
            return
        assert isinstance(event, yaml.ScalarEvent)
        value = self.scalar(event, pos)
        if anchor is not None:
            self.anchors[anchor] = _Anchor(value, 1, 0)
        self.attach(value, 0)

    def key(self, top: _Open, event: yaml.Event) -> None:
        pos = self.pos(event)
        if isinstance(event, yaml.AliasEvent):
            raise _problem(pos, "an alias cannot be a mapping key", "write the key out")
        if not isinstance(event, yaml.ScalarEvent):
            raise _problem(pos, "mapping keys must be plain scalars", "write key: value")
        if event.tag not in (None, "!", _STR):
            raise self.bad_tag(event.tag, pos)
        if event.value == "<<" and event.implicit[0]:  # plain, not quoted
            raise _problem(pos, "YAML merge keys ('<<') are not supported", "use blocks")
        name = event.value  # the key as written: `on:` stays 'on', `1:` is '1'
        assert isinstance(top.data, dict)
        if name in top.data:
            first = self.doc.keys.get((*top.path, name))
            where = f" (first at line {first.line})" if first else ""
            hint = "each key may appear once in a mapping"
            raise _problem(pos, f"duplicate key {name!r}{where}", hint)
        self.doc.keys[(*top.path, name)] = pos
        top.key = name

    def child_path(self, top: _Open | None) -> PathKey:
        if top is None:
            return ()
        if isinstance(top.data, list):
            return (*top.path, len(top.data))
        assert top.key is not None
        return (*top.path, top.key)

    def alias(self, event: yaml.AliasEvent, path: PathKey, pos: Pos) -> None:
        name = str(event.anchor)
        if any(o.anchor == name for o in self.stack):
            raise _problem(pos, f"alias *{name} is inside its own anchor (a recursive structure)")
        found = self.anchors.get(name)
        if found is None:
            hint = f"define &{name} first"
            raise _problem(pos, f"alias *{name} names no anchor defined above it", hint)
        if len(path) + found.height > MAX_DEPTH:
            raise _problem(pos, f"nesting deeper than {MAX_DEPTH} levels (through alias *{name})")
        self.grow(found.size, pos, alias=name)
        self.doc.values.setdefault(path, pos)
        self.attach(_copy(found.value), found.height)

    def grow(self, n: int, pos: Pos, alias: str = "") -> None:
        self.count += n
        if self.count > MAX_NODES:
            via = f" (alias *{alias} stands for {n:,})" if alias else ""
            raise _problem(
                pos,
                f"the document holds more than {MAX_NODES:,} values{via}",
                "aliases count at their expanded size; a spec this large is refused (alias bomb?)",
            )

    def close(self) -> None:
        done = self.stack.pop()
        if done.anchor is not None:
            self.anchors[done.anchor] = _Anchor(done.data, self.count - done.first + 1, done.height)
        self.attach(done.data, done.height)

    def attach(self, value: Any, height: int) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        top.height = max(top.height, height + 1)
        if isinstance(top.data, list):
            top.data.append(value)
        else:
            assert top.key is not None
            top.data[top.key] = value
            top.key = None

    # ---- scalars ----------------------------------------------------------------------
    def bad_tag(self, tag: str | None, pos: Pos) -> SpecError:
        return _problem(
            pos,
            f"unsupported YAML tag {tag!r}",
            "specs hold plain numbers, strings, lists and mappings only",
        )

    def scalar(self, event: yaml.ScalarEvent, pos: Pos) -> Any:
        tag = event.tag
        text: str = event.value
        if tag is None or tag == "!":
            if not event.implicit[0]:  # quoted: a string
                tag = _STR
            elif (tag := _RESOLVED.get(text)) is None:
                tag = self.loader.resolve(yaml.ScalarNode, text, event.implicit)
                if len(_RESOLVED) < 4096 and len(text) < 64:
                    _RESOLVED[text] = tag
        if tag in (_STR, _TIMESTAMP):
            return text
        if tag == _INT:
            digits = sum(c.isalnum() for c in text)
            if digits > MAX_INT_DIGITS:
                raise _problem(pos, f"an integer of {digits:,} digits (at most {MAX_INT_DIGITS})")
        elif tag not in (_NULL, _BOOL, _FLOAT):
            raise self.bad_tag(tag, pos)
        node = yaml.ScalarNode(tag, text)
        try:
            return _CONSTRUCT[tag](node)
        except (yaml.YAMLError, ValueError, LookupError, TypeError, ArithmeticError):
            # only an explicit tag gets here (`!!float x`): implicit ones match their pattern
            what = {_INT: "an integer", _FLOAT: "a number", _BOOL: "a boolean"}.get(tag, tag)
            raise _problem(pos, f"{text!r} is not {what}", "drop the !! tag") from None


def _char_pos(text: str, file: str, index: int) -> Pos:
    line = text.count("\n", 0, index) + 1
    return Pos(file, line, index - (text.rfind("\n", 0, index) + 1) + 1)


def _byte_pos(text: str, file: str, offset: int) -> Pos:
    """Position of a UTF-8 byte offset into `text` (libyaml reports bytes)."""
    return _char_pos(text, file, len(text.encode("utf-8")[:offset].decode("utf-8", "replace")))


def parse_text(text: str, file: str) -> Document:
    """Parse one YAML document from text; every problem is a SpecError located in `file`."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates: only from in-process callers
        raise _problem(_char_pos(text, file, exc.start), "the text is not valid Unicode") from None
    try:
        return _parse(text, file, _Loader)
    except _TooDeepAhead:
        # libyaml (PyYAML 6.0.4's wheels) scans flow collections up to 1,000 levels ahead of
        # the events it has handed over and stops there with an error of its own; the
        # pure-Python parser hands events over as it goes, so the depth is refused where it
        # crosses MAX_DEPTH, with the same message as everywhere else
        return _parse(text, file, yaml.SafeLoader)


class _TooDeepAhead(Exception):
    """libyaml's own nesting limit, met before MAX_DEPTH could be checked."""


def _parse(text: str, file: str, loader_class: Any) -> Document:
    loader = None
    c_parser = loader_class is not yaml.SafeLoader and _C_PARSER
    try:
        loader = loader_class(text)  # the pure-Python reader checks every character here
        return _Builder(file, loader).run()
    except yaml.MarkedYAMLError as exc:
        if c_parser and "maximum nesting depth" in str(exc.problem):
            raise _TooDeepAhead from None
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise _problem(pos, f"YAML syntax error: {what}", _hint(text, exc)) from None
    except yaml.reader.ReaderError as exc:  # libyaml counts bytes, PyYAML characters
        at = exc.position
        pos = _byte_pos(text, file, at) if c_parser else _char_pos(text, file, at)
        raise _problem(pos, f"YAML syntax error: {exc.reason}") from None
    except yaml.YAMLError as exc:
        raise _problem(Pos(file, 1, 1), f"YAML error: {exc}") from None
    finally:
        if loader is not None:
            loader.dispose()


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def _hint(text: str, exc: yaml.MarkedYAMLError) -> str:
    """What PyYAML's words mean for a spec author, from the text around the error: tabs,
    indentation against the line above, an unclosed bracket or quote, an unquoted ': '."""
    problem, context = exc.problem or "", exc.context or ""
    lines = _LINE_BREAK.split(text)  # YAML's line breaks, as its marks count them
    at = exc.problem_mark.line if exc.problem_mark else 0
    line = lines[at] if at < len(lines) else ""
    start = exc.context_mark
    if "\t" in line[: len(line) - len(line.lstrip())] or "'\\t'" in problem or "tab" in problem:
        return "YAML does not allow tabs for indentation; indent with spaces"
    if "quoted scalar" in context and start is not None:
        opened = lines[start.line] if start.line < len(lines) else ""
        quote = opened[start.column : start.column + 1]
        quote = quote if quote in ("'", '"') else "quote"
        return (
            f"the text quoted at line {start.line + 1}, column {start.column + 1} is never "
            f"closed: add the closing {quote}"
        )
    if "flow mapping" in context or "flow sequence" in context:
        opened, close = ("{", "}") if "mapping" in context else ("[", "]")
        where = f" at line {start.line + 1}, column {start.column + 1}" if start else ""
        return f"the '{opened}'{where} is not closed: add '{close}' or a ',' between its entries"
    col = exc.problem_mark.column if exc.problem_mark else 0
    if line[col : col + 1] in ("]", "}"):  # outside any flow collection (handled above)
        return f"this '{line[col]}' closes nothing: remove it, or add the bracket it closes"
    above = next(
        (a for a in reversed(lines[:at]) if a.strip() and not a.lstrip().startswith("#")), None
    )
    indent = len(line) - len(line.lstrip(" "))
    check = "check the indentation of this line against the line above"
    if "mapping values are not allowed" in problem:
        if above is not None and indent > len(above) - len(above.lstrip(" ")):
            return (
                f"{check}: indented further, it continues the value above; "
                "line it up with the keys of its mapping"
            )
        return 'a value that contains ": " must be quoted, e.g. name: "a: b"'
    if above is None or not (
        "expected key" in problem or "'-' indicator" in problem or "<block end>" in problem
    ):
        return ""
    up = len(above) - len(above.lstrip(" "))
    rest = above[up:]
    keys = up
    while rest.startswith("- "):  # `- type: relu`: the item's keys start after the dash
        keys += 2 + len(rest[2:]) - len(rest[2:].lstrip(" "))
        rest = rest[2:].lstrip(" ")
    here = f"{check}: this line starts at column {indent + 1}"
    if keys != up:
        return (
            f"{here}; a key of the list item above starts at column {keys + 1}, "
            f"a new item ('- ') at column {up + 1}"
        )
    return f"{here}, the line above at column {up + 1}; the keys of one mapping line up"


def read_text(path: str | Path) -> str:
    """Read a spec file as UTF-8 text, turning every OS or decoding problem into one message."""
    name = str(path)
    try:
        p = Path(path)
        if not p.exists():
            raise UsageError(f"{name}: no such file")
        if p.is_dir():
            raise UsageError(f"{name}: is a directory, not a spec file")
        # read at most one byte past the limit: /dev/zero and pipes have no size to stat
        with p.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL in the path (in-process callers only)
        raise UsageError(f"{name!r}: not a usable path: {exc}") from None
    return decode(raw, name)


def decode(raw: bytes, name: str) -> str:
    """A spec file's bytes as text: at most MAX_FILE_BYTES of UTF-8 (a BOM allowed), no NUL."""
    if len(raw) > MAX_FILE_BYTES:
        message = f"the file is larger than the {MAX_FILE_BYTES:,} bytes allowed"
        raise _problem(Pos(name, 1, 1), message, "a spec is a short text file")
    raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 BOM (not with utf-8-sig: positions)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        start = raw.rfind(b"\n", 0, exc.start) + 1
        col = len(raw[start : exc.start].decode("utf-8", "replace")) + 1
        pos = Pos(name, line, col)
        raise _problem(pos, "the file is not UTF-8 text", "save it as UTF-8") from None
    if "\x00" in text:
        cut = text.index("\x00")
        line = text[:cut].count("\n") + 1
        col = cut - (text.rfind("\n", 0, cut) + 1) + 1
        raise _problem(Pos(name, line, col), "the file contains NUL bytes (binary?)")
    return text


def parse_file(path: str | Path) -> Document:
    return parse_text(read_text(path), str(path))


STDIN = "<stdin>"  # standard input's name in messages (`cnncalc params -`: <stdin>:3:5: …)
_stdin: tuple[object, str] | None = None  # (the stream, its text): read once per stream


def read_stdin() -> str:
    """Standard input as spec text, with read_text's limits. Only for a spec named `-` on the
    command line (spec/load.py load(), lint): never for a path in a spec, such as an include.
    Kept, so that a second reader (lint's suppression comments) sees the same text."""
    global _stdin
    import sys

    stream = sys.stdin
    if _stdin is not None and _stdin[0] is stream:
        return _stdin[1]
    if stream is None:
        raise UsageError(f"{STDIN}: standard input is closed")
    try:
        raw = stream.buffer.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: closed by the caller
        raise UsageError(f"{STDIN}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    text = decode(raw, STDIN)
    _stdin = (stream, text)
    return text
