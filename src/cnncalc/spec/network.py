"""The validated network: nodes in order, each a typed layer with its inputs and source position."""

from __future__ import annotations

from dataclasses import dataclass, field

from cnncalc.errors import Pos
from cnncalc.layers.base import Expect, Layer, Shape
from cnncalc.spec.expr import Value
from cnncalc.spec.yamlpos import Document, PathKey

INPUT = "input"  # the name `from:` uses for the network's input
# `from: []`, at the top level and in blocks: an error, not "the layer above"
EMPTY_FROM = ("from: is empty", "name at least one layer, or leave from: out to read the one above")


@dataclass(frozen=True, slots=True)
class Node:
    """One layer in the graph."""

    name: str
    layer: Layer
    inputs: tuple[str, ...]
    doc: Document
    path: PathKey  # where the layer's mapping is in its file, e.g. ('layers', 3)
    scope: tuple[str, ...] = ()  # enclosing block instances, outermost first (for --depth)

    def where(self, key: str = "") -> Pos:
        """Position of one of the layer's keys in its file (the layer itself if key is '')."""
        if key:
            return self.doc.where((*self.path, key), key=True)
        return self.doc.where(self.path)


@dataclass
class Network:
    name: str
    file: str
    input_names: tuple[str, ...]  # e.g. ('channels', 'height', 'width')
    input_shape: Shape
    nodes: list[Node]
    outputs: tuple[str, ...]
    doc: Document
    expect: Expect | None = None
    symbols: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)  # block instance path -> its output layer
    scopes: dict[str, str] = field(
        default_factory=dict
    )  # block instance path -> block name (or group)
    args: dict[str, Value] = field(default_factory=dict)  # the spec's arguments, --set applied

    def by_name(self) -> dict[str, Node]:
        return {n.name: n for n in self.nodes}
