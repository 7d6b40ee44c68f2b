"""Which variants a sweep keeps: `--where` (an expression of the spec language, parsed by
cnncalc's own parser, never Python's eval) and `--pareto` (the variants no other beats on
every listed figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cnncalc.errors import UsageError, printable
from cnncalc.spec import expr
from cnncalc.spec.expr import ExprError, Node, Value

NUMERIC = ("params", "trainable", "macs", "layers")


def _names(node: Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "var":
            out.add(str(n.value))
        stack.extend(n.args)
    return out


def _calls(node: Node) -> set[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.op == "call":
            out.add(str(n.value))
        stack.extend(n.args)
    return out


@dataclass(frozen=True)
class Where:
    text: str
    node: Node

    @classmethod
    def parse(cls, text: str, columns: Sequence[str]) -> Where:
        try:
            node = expr.parse(text)
        except ExprError as err:
            raise UsageError(
                f"--where {printable(text)[:80]!r}: {err.message} (column {err.col + 1})"
            ) from None
        for name in sorted(_calls(node) - set(expr.FUNCTIONS)):
            raise UsageError(f"--where: unknown function {name!r}")
        for name in sorted(_names(node)):
            if name not in columns:
                hint = expr.suggest(name, list(columns))
                raise UsageError(
                    f"--where: unknown name {name!r}; " + (hint or f"it reads {', '.join(columns)}")
                )
        return cls(text, node)

    def keeps(self, row: Mapping[str, Value]) -> bool:
        try:
            return bool(expr.evaluate(self.node, row))
        except ExprError as err:
            raise UsageError(f"--where {printable(self.text)[:80]!r}: {err.message}") from None


@dataclass
class Pareto:
    """The non-dominated rows so far, each figure minimised (`-name`: maximised)."""

    keys: tuple[tuple[str, int], ...]  # (column, +1 minimise / -1 maximise)
    front: list[tuple[tuple[float, ...], dict[str, Value]]] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str, columns: Sequence[str]) -> Pareto:
        keys: list[tuple[str, int]] = []
        for part in (p.strip() for p in text.split(",")):
            name, sign = (part[1:], -1) if part.startswith("-") else (part, 1)
            if name not in columns:
                raise UsageError(
                    f"--pareto: unknown column {printable(name)!r}; numbers: {', '.join(columns)}"
                )
            keys.append((name, sign))
        if len(keys) < 2:
            raise UsageError("--pareto: name two or more columns, e.g. --pareto macs,params")
        return cls(tuple(keys))

    def add(self, row: dict[str, Value]) -> None:
        point = tuple(float(row[k]) * s for k, s in self.keys)  # type: ignore[arg-type]
        for other, _ in self.front:
            if all(o <= p for o, p in zip(other, point, strict=True)):
                return  # dominated, or equal to one kept
        self.front = [
            (o, r) for o, r in self.front if not all(p <= x for p, x in zip(point, o, strict=True))
        ]
        self.front.append((point, row))

    def rows(self) -> list[dict[str, Value]]:
        return [r for _, r in sorted(self.front, key=lambda pr: (pr[0], str(pr[1]["index"])))]
