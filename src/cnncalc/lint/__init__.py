"""cnncalc lint: rules with stable codes over a spec's loaded graph and computed figures.

from cnncalc.lint import discover, lint_paths
result = lint_paths(["specs/"], discover())
for f in result.findings: print(f.pos, f.code, f.message)
"""

from cnncalc.lint.config import Config, discover, load_config
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.runner import Linter, LintResult, lint_paths

__all__ = [
    "Config",
    "Finding",
    "LintResult",
    "Linter",
    "Severity",
    "discover",
    "lint_paths",
    "load_config",
]
