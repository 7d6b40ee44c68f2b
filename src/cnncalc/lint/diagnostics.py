"""What lint reports: a located Problem (errors.py) with a severity and the rule that found it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cnncalc.errors import Pos, Problem


class Severity(StrEnum):
    """Ordered: a finding fails the run when it is at or above `--fail-on`."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One located finding. `code` is the Problem's (E102 for a core error, W201 for a rule)."""

    problem: Problem
    severity: Severity
    rule: str  # the rule's name, e.g. 'window-drops-input'

    @property
    def pos(self) -> Pos:
        return self.problem.pos

    @property
    def code(self) -> str:
        return self.problem.code

    @property
    def message(self) -> str:
        return self.problem.message

    @property
    def hint(self) -> str:
        return self.problem.hint

    @property
    def layer(self) -> str:
        return self.problem.layer

    def sort_key(self) -> tuple[str, int, int, str, str]:
        p = self.pos
        return (p.file, p.line, p.col, self.code, self.layer)
