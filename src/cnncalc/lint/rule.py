"""The rule protocol: each rule is one module in lint/rules/ holding one `Rule` subclass.

A rule's class attributes are its metadata (code, name, severity, options); its docstring is
its documentation: a one-line summary, a rationale, and `Bad::` / `Good::` example specs
(docs/lint.md and `cnncalc rules CODE` are generated from them, and a test lints both)."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from cnncalc.errors import Pos, Problem
from cnncalc.lint.diagnostics import Finding, Severity

if TYPE_CHECKING:
    from cnncalc.analysis.engine import LayerStats, Report
    from cnncalc.spec.network import Network, Node
    from cnncalc.spec.yamlpos import Document


@dataclass(frozen=True, slots=True)
class Option:
    """A rule option: its default, what it means, and how a configured value is read."""

    default: Any
    help: str
    parse: Callable[[object], Any] = lambda v: v


@dataclass
class Context:
    """Everything known about one spec file; later stages are None when an earlier one failed."""

    file: str
    doc: Document | None = None
    network: Network | None = None
    report: Report | None = None
    problems: list[Problem] = field(default_factory=list)  # the core's own errors
    _consumers: dict[str, list[str]] | None = None

    def stats(self) -> list[LayerStats]:
        return self.report.layers if self.report else []

    def consumers(self) -> dict[str, list[str]]:
        """Layer name -> the layers that read it."""
        if self._consumers is None:
            out: dict[str, list[str]] = {}
            for node in self.network.nodes if self.network else []:
                for i in node.inputs:
                    out.setdefault(i, []).append(node.name)
            self._consumers = out
        return self._consumers

    def top_pos(self, key: str = "name") -> Pos:
        """Where a finding about the whole spec points: its `key` (default the name) or line 1."""
        if self.doc is None:
            return Pos(self.file, 1, 1)
        return (
            self.doc.where((key,), key=True)
            if key in (self.doc.data or {})
            else Pos(self.file, 1, 1)
        )


_SECTION = re.compile(r"^(Bad|Good)::\s*$", re.MULTILINE)


class Rule:
    """Base of every rule. Subclasses set the metadata and implement `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    options: ClassVar[Mapping[str, Option]] = {}
    needs: ClassVar[str] = "report"  # what check() reads: 'problems', 'network' or 'report'

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.opts: dict[str, Any] = {k: o.default for k, o in self.options.items()}
        self.opts.update(values or {})

    def check(self, ctx: Context) -> Iterator[Finding]:
        raise NotImplementedError

    # ---- helpers ----------------------------------------------------------------------
    def finding(
        self, pos: Pos, message: str, hint: str, layer: str = "", code: str = ""
    ) -> Finding:
        return Finding(
            Problem(pos, message, hint, layer, code or self.code), self.severity, self.name
        )

    def at(self, node: Node, message: str, hint: str, key: str = "") -> Finding:
        return self.finding(node.where(key), message, hint, node.name)

    # ---- documentation from the docstring ---------------------------------------------
    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.doc().split("\n", 1)[0].strip()

    @classmethod
    def rationale(cls) -> str:
        """The text between the summary and the first example."""
        body = cls.doc().split("\n", 1)[1] if "\n" in cls.doc() else ""
        return _SECTION.split(body, maxsplit=1)[0].strip()

    @classmethod
    def examples(cls) -> dict[str, str]:
        """{'Bad': spec text, 'Good': spec text}, dedented."""
        parts = _SECTION.split(cls.doc())
        out: dict[str, str] = {}
        for label, text in zip(parts[1::2], parts[2::2], strict=True):
            out[label] = inspect.cleandoc("\n" + text) + "\n"
        return out


MAX_AMOUNT = 10**30  # far above any network; keeps every figure printable


def shown(value: object, limit: int = 60) -> str:
    """A configured value quoted in a message: repr, cut to `limit` characters (an integer
    past Python's 4,300 printable digits is described instead)."""
    try:
        text = repr(value)
    except ValueError:
        return "an integer of more than 4,300 digits"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_amount(value: object, what: str) -> int:
    """A budget as a whole number from 1 to 10^30, as an int or text with a unit: 12M, 1.5G,
    64MB, 512KiB (k/M/G/T: ×1000; Ki/Mi/Gi/Ti: ×1024; a trailing B is a byte). An amount
    that comes to a fraction, such as 0.1 or 1.0001k, is refused rather than rounded."""
    from fractions import Fraction

    example = f"{what} must be a number such as 12000000 or 12M"
    if isinstance(value, bool):
        raise ValueError(f"{example}, got {shown(value)}")
    amount: Fraction | None = None
    if isinstance(value, int):
        amount = Fraction(value)
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]{1,40}(?:\.[0-9]{1,40})?)\s*([kKMGT]i?)?B?\s*", value)
        if m:
            scale = {
                "": 1,
                "k": 10**3,
                "K": 10**3,
                "M": 10**6,
                "G": 10**9,
                "T": 10**12,
                "Ki": 2**10,
                "ki": 2**10,
                "Mi": 2**20,
                "Gi": 2**30,
                "Ti": 2**40,
            }[m.group(2) or ""]
            amount = Fraction(m.group(1)) * scale
    if amount is None or amount < 0:
        raise ValueError(f"{example}, got {shown(value)}")
    if amount.denominator != 1:
        raise ValueError(
            f"{what} must come to a whole number, got {shown(value)} = {float(amount):g}"
        )
    if amount < 1:
        raise ValueError(
            f"{what} must be at least 1 (a budget of 0 allows nothing), got {shown(value)}"
        )
    if amount > MAX_AMOUNT:
        raise ValueError(f"{what} must be at most 10^30, got {shown(value)}")
    return int(amount)
