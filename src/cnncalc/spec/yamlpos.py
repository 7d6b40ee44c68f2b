"""YAML into plain data plus a map from data paths to source positions.

We compose the node graph with a safe loader and build the data ourselves, so that we can
keep every node's position, refuse duplicate keys and non-standard tags, and bound alias
expansion ("billion laughs") and nesting depth.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cnncalc.errors import Pos, Problem, SpecError, UsageError

try:  # libyaml is much faster where it is installed; same semantics
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 200_000  # data nodes built, aliases counted each time they are expanded
MAX_DEPTH = 100

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
_constructor = yaml.constructor.SafeConstructor()


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


def _pos(file: str, node: yaml.Node) -> Pos:
    return Pos(file, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.count = 0

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> SpecError:
        return SpecError([Problem(_pos(self.doc.file, node), message, hint, code="E001")])

    def build(self, node: yaml.Node, path: PathKey, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"the document expands to more than {MAX_NODES:,} values",
                "anchors and aliases are expanded; a spec this large is refused (alias bomb?)",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, f"nesting deeper than {MAX_DEPTH} levels", "flatten the spec")
        self.doc.values.setdefault(path, _pos(self.doc.file, node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.tag not in _SCALAR_TAGS:
            raise self.fail(
                node,
                f"unsupported YAML tag {node.tag!r}",
                "specs hold plain numbers, strings, lists and mappings only",
            )
        try:
            return _constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, f"bad scalar value: {exc}") from None

    def mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, "YAML merge keys ('<<') are not supported", "use blocks")
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                raise self.fail(key_node, "mapping keys must be plain scalars")
            key: Hashable = _constructor.construct_object(key_node)
            skey = str(key)
            if skey in out:
                first = self.doc.keys.get((*path, skey))
                raise self.fail(
                    key_node,
                    f"duplicate key {skey!r}" + (f" (first at line {first.line})" if first else ""),
                    "each key may appear once in a mapping",
                )
            self.doc.keys[(*path, skey)] = _pos(self.doc.file, key_node)
            out[skey] = self.build(value_node, (*path, skey), depth + 1)
        return out


def parse_text(text: str, file: str) -> Document:
    """Parse one YAML document from text."""
    doc = Document(file, None)
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = Pos(file, mark.line + 1, mark.column + 1) if mark else Pos(file, 1, 1)
        what = exc.problem or exc.context or "invalid YAML"
        raise SpecError([Problem(pos, f"YAML syntax error: {what}", code="E001")]) from None
    except (yaml.YAMLError, RecursionError) as exc:
        msg = "nesting too deep" if isinstance(exc, RecursionError) else str(exc)
        raise SpecError([Problem(Pos(file, 1, 1), f"YAML error: {msg}", code="E001")]) from None
    if not nodes or nodes[0] is None:
        raise SpecError(
            [Problem(Pos(file, 1, 1), "the file is empty", "write a spec: name, input, layers")]
        )
    if len(nodes) > 1:
        second = nodes[1]
        raise SpecError(
            [Problem(_pos(file, second), "more than one YAML document", "one spec per file")]
        )
    doc.data = _Builder(doc).build(nodes[0], (), 0)
    return doc


def read_text(path: str | Path) -> str:
    """Read a spec file as UTF-8 text, turning every OS or decoding problem into one message."""
    p = Path(path)
    name = str(path)
    if not p.exists():
        raise UsageError(f"{name}: no such file")
    if p.is_dir():
        raise UsageError(f"{name}: is a directory, not a spec file")
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SpecError(
                [
                    Problem(
                        Pos(name),
                        f"file is {size:,} bytes, larger than the {MAX_FILE_BYTES:,} allowed",
                        "a spec is a short text file",
                    )
                ]
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise UsageError(f"{name}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [Problem(Pos(name, line, col), "the file is not UTF-8 text", "save it as UTF-8")]
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise SpecError([Problem(Pos(name, line, 1), "the file contains NUL bytes (binary?)")])
    return text


def parse_file(path: str | Path) -> Document:
    return parse_text(read_text(path), str(path))
