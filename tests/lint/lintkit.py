"""Shared helpers of the lint tests: run the linter on a fixture and compare its findings with
the `# expect: CODE …` comments on the fixture's lines."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

from cnncalc.lint import Config, Finding, Linter
from cnncalc.lint.config import from_mapping

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
RULE_FIXTURES = FIXTURES / "rules"
REPO = HERE.parent.parent

_EXPECT = re.compile(r"#\s*expect:\s*([A-Z0-9 ]+?)\s*$")
_CONFIG = re.compile(r"^# config: (.*)$", re.MULTILINE)


def config_for(text: str, root: Path) -> Config:
    """The `# config: {…}` first-line comment of a fixture (as .cnncalc.yaml), or defaults."""
    m = _CONFIG.search(text)
    if m is None:
        return Config(root=root)
    return from_mapping(yaml.safe_load(m.group(1)), lambda keys: "fixture config", root, "")


def lint(path: Path, config: Config | None = None) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    found = Linter(config or config_for(text, path.parent)).lint_file(str(path))
    assert found is not None, f"{path} was skipped as not a spec"
    return found


def lint_text(
    text: str, tmp_path: Path, name: str = "spec.yaml", config: Config | None = None
) -> list[Finding]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return lint(path, config)


def expected(text: str) -> Counter[tuple[int, str]]:
    out: Counter[tuple[int, str]] = Counter()
    for i, line in enumerate(text.splitlines(), 1):
        m = _EXPECT.search(line)
        if m:
            out.update((i, code) for code in m.group(1).split())
    return out


def got(findings: list[Finding]) -> Counter[tuple[int, str]]:
    return Counter((f.pos.line, f.code) for f in findings)


def check_pair(rule_name: str) -> list[Finding]:
    """fail.yaml yields exactly the findings its comments mark; pass.yaml yields none.
    Returns fail.yaml's findings for further checks."""
    folder = RULE_FIXTURES / rule_name
    fail = folder / "fail.yaml"
    findings = lint(fail)
    want = expected(fail.read_text(encoding="utf-8"))
    assert want, f"{fail} marks no expected finding"
    assert got(findings) == want, "\n".join(f"{f.pos} {f.code} {f.message}" for f in findings)
    for f in findings:  # every finding is located and explained
        assert f.pos.line >= 1 and f.pos.col >= 1 and f.hint, f
    assert lint(folder / "pass.yaml") == []
    return findings
