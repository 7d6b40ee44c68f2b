"""Find the spec files, load and analyze each once, run the enabled rules, filter findings
(select/ignore, per-file ignores, `# cnncalc: ignore[CODE]` comments). No printing here."""

from __future__ import annotations

import glob
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cnncalc.errors import CnncalcError, Pos, Problem, SpecError, UsageError
from cnncalc.lint import registry
from cnncalc.lint.config import Config
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule
from cnncalc.spec.yamlpos import STDIN

SUFFIXES = (".yaml", ".yml")
_TOP_LAYERS = re.compile(r"^['\"]?layers['\"]?\s*:", re.MULTILINE)  # a spec even if YAML breaks
_SUPPRESS = re.compile(r"#\s*cnncalc:\s*ignore(?:\[([^\]]*)\])?")


@dataclass
class LintResult:
    files: list[str] = field(default_factory=list)  # the specs linted
    skipped: list[str] = field(default_factory=list)  # YAML files that are not specs
    findings: list[Finding] = field(default_factory=list)

    def counts(self) -> dict[Severity, int]:
        out = dict.fromkeys(Severity, 0)
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on for f in self.findings)


def collect(paths: Sequence[str], config: Config) -> list[str]:
    """Files from paths, folders (their *.yaml / *.yml, hidden folders skipped) and globs."""
    out: list[str] = []
    seen: set[Path] = set()

    def add(p: Path) -> None:
        key = p.absolute()
        if key not in seen and not config.excluded(str(p)):
            seen.add(key)
            out.append(str(p))

    for arg in paths:
        if arg == "-":  # the spec on standard input (read_stdin), named <stdin>
            if STDIN not in out:
                out.append(STDIN)
            continue
        p = Path(arg)
        if not p.exists() and any(c in arg for c in "*?["):
            matches = sorted(glob.glob(arg, recursive=True))
            if not matches:
                raise UsageError(f"{arg}: no files match")
            for m in matches:
                mp = Path(m)
                if mp.is_dir():
                    for f in _folder(mp):
                        add(f)
                else:
                    add(mp)
        elif p.is_dir():
            for f in _folder(p):
                add(f)
        elif p.exists():
            add(p)
        else:
            raise UsageError(f"{arg}: no such file or folder")
    return out


def _folder(root: Path) -> Iterable[Path]:
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).parts
        if p.suffix in SUFFIXES and p.is_file() and not any(part.startswith(".") for part in rel):
            yield p


def analyze_file(file: str) -> Context | None:
    """Load and analyze one file; None when it is YAML but not a spec (no top-level layers:)."""
    from cnncalc.analysis.engine import analyze
    from cnncalc.spec.load import build
    from cnncalc.spec.yamlpos import STDIN, parse_text, read_stdin, read_text

    try:
        text = read_stdin() if file == STDIN else read_text(file)
    except SpecError as err:  # too large, not UTF-8, binary
        return Context(file, problems=err.problems)
    try:
        doc = parse_text(text, file)
    except SpecError as err:
        return Context(file, problems=err.problems) if _TOP_LAYERS.search(text) else None
    if not isinstance(doc.data, dict) or "layers" not in doc.data:
        return None
    ctx = Context(file, doc)
    try:
        ctx.network = build(doc)
        ctx.report = analyze(ctx.network)
    except SpecError as err:
        ctx.problems = err.problems
    except (CnncalcError, RecursionError, MemoryError) as err:
        what = (
            "nested too deeply"
            if isinstance(err, RecursionError)
            else str(err) or type(err).__name__
        )
        ctx.problems = [Problem(Pos(file, 1, 1), f"cannot load the spec: {what}", "", "", "E000")]
    return ctx


class Linter:
    """The enabled rules with their options, and the filters of one configuration."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.rules: list[Rule] = [
            cls(config.options.get(cls.code))
            for cls in registry.rules()
            if cls.needs == "problems" or self.selected(cls.name, cls.code)
        ]
        self._lines: dict[str, list[str]] = {}

    def selected(self, name: str, code: str, extra_ignores: Sequence[str] = ()) -> bool:
        def hit(entries: Iterable[str]) -> bool:
            return any(e == "ALL" or e == name or code.startswith(e) for e in entries)

        return hit(self.config.select) and not hit((*self.config.ignore, *extra_ignores))

    def lint_file(self, file: str) -> list[Finding] | None:
        ctx = analyze_file(file)
        if ctx is None:
            return None
        found: list[Finding] = []
        for rule in self.rules:
            if (rule.needs == "network" and ctx.network is None) or (
                rule.needs == "report" and ctx.report is None
            ):
                continue
            found.extend(rule.check(ctx))
        ignores = self.config.file_ignores(file)
        kept = {
            (f.pos, f.code, f.message, f.layer): f
            for f in found
            if f.rule == "spec-error"  # the spec does not compute: always reported
            or (self.selected(f.rule, f.code, ignores) and not self.suppressed(f))
        }
        return sorted(kept.values(), key=Finding.sort_key)

    def suppressed(self, f: Finding) -> bool:
        """`# cnncalc: ignore[W201, kernel-padding]` (or a bare `# cnncalc: ignore`) on its line."""
        lines = self.lines(f.pos.file)
        if not 0 < f.pos.line <= len(lines):
            return False
        m = _SUPPRESS.search(lines[f.pos.line - 1])
        if m is None:
            return False
        if m.group(1) is None:
            return True
        entries = [e.strip() for e in m.group(1).split(",") if e.strip()]
        return any(e == f.rule or f.code.startswith(e) for e in entries)

    def lines(self, file: str) -> list[str]:
        if file not in self._lines:
            from cnncalc.spec.yamlpos import STDIN, read_stdin, read_text

            try:
                text = read_stdin() if file == STDIN else read_text(file)
                self._lines[file] = text.splitlines()
            except CnncalcError:
                self._lines[file] = []
        return self._lines[file]


def lint_paths(paths: Sequence[str], config: Config) -> LintResult:
    """Lint every spec under `paths`; raises UsageError for paths that do not exist."""
    linter = Linter(config)
    result = LintResult()
    for file in collect(paths, config):
        found = linter.lint_file(file)
        if found is None:
            result.skipped.append(file)
        else:
            result.files.append(file)
            result.findings.extend(found)
    return result
