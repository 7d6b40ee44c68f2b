"""E0xx/E1xx spec-error: the core's own errors surface as error findings with their codes."""

from __future__ import annotations

import re
from pathlib import Path

from lintkit import REPO, check_pair, lint_text

from cnncalc.lint import Config, Severity
from cnncalc.lint.rules.spec_error import CORE_CODES


def test_fixtures() -> None:
    findings = check_pair("spec-error")
    assert all(f.severity is Severity.ERROR and f.rule == "spec-error" for f in findings)
    assert {f.layer for f in findings} == {"a", "b"}


def test_every_code_the_core_raises_is_documented() -> None:
    used: set[str] = set()
    for path in (REPO / "src" / "cnncalc").rglob("*.py"):
        if "lint" in path.parts:
            continue
        used |= set(re.findall(r'"(E[01]\d\d)"', path.read_text(encoding="utf-8")))
    used.add("E000")  # Problem's default code
    assert used <= set(CORE_CODES), sorted(used - set(CORE_CODES))


def test_spec_errors_cannot_be_selected_away_or_suppressed(tmp_path: Path) -> None:
    text = (
        "name: x\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
        "  - {type: conv2d, in_channels: 1, out_channels: 4, kernel_size: 3}"
        "  # cnncalc: ignore[E102]\n"
    )
    cfg = Config(
        select=("W201",), ignore=("E",), per_file_ignores=(("*", ("E102",)),), root=tmp_path
    )
    found = lint_text(text, tmp_path, config=cfg)
    assert [(f.code, f.pos.line) for f in found] == [("E102", 4)]


def test_a_problem_without_hint_gets_the_codes_hint(tmp_path: Path) -> None:
    text = (
        "name: x\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"
        "  - {type: conv2d, out_channels: -4, kernel_size: 3}\n"
    )
    [f] = lint_text(text, tmp_path)
    assert (f.code, f.pos.line) == ("E002", 4)
    assert f.hint == CORE_CODES["E002"][1]


def test_yaml_syntax_error_in_a_spec_is_reported_and_broken_non_spec_yaml_skipped(
    tmp_path: Path,
) -> None:
    from cnncalc.lint import Linter

    spec = tmp_path / "spec.yaml"
    spec.write_text("name: x\ninput: {channels: 3\nlayers: []\n", encoding="utf-8")
    [f] = Linter(Config(root=tmp_path)).lint_file(str(spec)) or []
    assert f.code == "E001" and f.pos.line >= 2
    other = tmp_path / "mkdocs.yml"
    other.write_text(
        "site_name: x\nmarkdown_extensions:\n  - !!python/name:foo.bar\n", encoding="utf-8"
    )
    assert Linter(Config(root=tmp_path)).lint_file(str(other)) is None
