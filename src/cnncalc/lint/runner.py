"""Find the spec files, load and analyze each once, run the enabled rules, filter findings
(select/ignore, per-file ignores, `# cnncalc: ignore[CODE]` comments). No printing here."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from cnncalc.errors import CnncalcError, Pos, Problem, SpecError, UsageError
from cnncalc.lint import registry
from cnncalc.lint.config import Config
from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.files import LIBRARY, NOT_A_SPEC, collect, kind, text_kind
from cnncalc.lint.rule import Context, Rule

_SUPPRESS = re.compile(r"#\s*cnncalc:\s*ignore(?:\[([^\]]*)\])?")


@dataclass
class LintResult:
    files: list[str] = field(default_factory=list)  # the specs linted
    skipped: list[str] = field(default_factory=list)  # files found but not linted
    findings: list[Finding] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)  # skipped file -> why (lint/files.py)

    def counts(self) -> dict[Severity, int]:
        out = dict.fromkeys(Severity, 0)
        for f in self.findings:
            out[f.severity] += 1
        return out

    def failed(self, fail_on: Severity) -> bool:
        return any(f.severity >= fail_on for f in self.findings)


def analyze_file(
    file: str, named: bool = False, sets: Mapping[str, str] | None = None
) -> Context | str:
    """Load and analyze one file. A file found by a walk (`named` False) that is plainly
    not a spec is not linted: the reason is returned (files.NOT_A_SPEC, files.LIBRARY). A named
    file must be a spec: anything else is an E000 finding (a block library is never one).
    `sets` (--set) set the spec's arguments; one the spec does not take is a UsageError."""
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
        if named or text_kind(text) == "spec":
            return Context(file, problems=err.problems)
        return NOT_A_SPEC
    what = kind(doc.data)
    if what == LIBRARY:
        return LIBRARY
    if what == NOT_A_SPEC:
        if not named:
            return NOT_A_SPEC
        return Context(file, doc, problems=[_not_a_spec(file, doc.data)])
    ctx = Context(file, doc)
    try:
        ctx.network = build(doc, sets)
        ctx.report = analyze(ctx.network)
    except SpecError as err:
        ctx.problems = err.problems
    except UsageError:  # a bad --set: the command line's fault, not the file's
        raise
    except (CnncalcError, RecursionError, MemoryError) as err:
        what = (
            "nested too deeply"
            if isinstance(err, RecursionError)
            else str(err) or type(err).__name__
        )
        ctx.problems = [Problem(Pos(file, 1, 1), f"cannot load the spec: {what}", "", "", "E000")]
    return ctx


def _not_a_spec(file: str, data: object) -> Problem:
    if isinstance(data, dict):
        has = "a mapping without input: or layers:"
    elif data is None:
        has = "empty"
    else:
        has = "a list" if isinstance(data, list) else "a single value"
    return Problem(
        Pos(file, 1, 1),
        f"not a spec: the file is {has}",
        "a spec is one YAML mapping with name, input and layers; "
        "lint checks every file it is given (--skip-non-specs skips other YAML)",
        "",
        "E000",
    )


class Linter:
    """The enabled rules with their options, and the filters of one configuration."""

    def __init__(self, config: Config, sets: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.sets = sets
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

    def lint_file(self, file: str, named: bool = False) -> list[Finding] | None:
        """The findings of one file; None when a walk would skip it (check says why)."""
        found = self.check(file, named)
        return None if isinstance(found, str) else found

    def check(self, file: str, named: bool = False) -> list[Finding] | str:
        ctx = analyze_file(file, named, self.sets)
        if isinstance(ctx, str):
            return ctx
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


def lint_paths(
    paths: Sequence[str],
    config: Config,
    skip_non_specs: bool = False,
    sets: Mapping[str, str] | None = None,
) -> LintResult:
    """Lint every spec under `paths` (lint/files.py says which files are specs); raises
    UsageError for paths that do not exist or are not files or folders, and for a --set
    (`sets`) that a spec linted does not take."""
    linter = Linter(config, sets)
    result = LintResult()
    found = collect(paths, config, skip_non_specs)
    result.reasons.update(found.skipped)
    for target in found.targets:
        checked = linter.check(target.path, target.named)
        if isinstance(checked, str):
            result.reasons[target.path] = checked
        else:
            result.files.append(target.path)
            result.findings.extend(checked)
    result.skipped = list(result.reasons)
    return result
