"""Every rule is complete: a unique code and name, documentation with a bad and a good
example (both linted here), a fixture pair and its own test file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lintkit import HERE, REPO, RULE_FIXTURES, config_for, lint_text

from cnncalc.lint import registry
from cnncalc.lint.rule import Rule

RULES = registry.rules()


def test_codes_and_names_are_unique_and_well_formed() -> None:
    codes = [r.code for r in RULES]
    names = [r.name for r in RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    for r in RULES:
        assert re.fullmatch(r"E|[A-Z]\d{3}", r.code), r.code
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", r.name), r.name
    # no rule's code is a prefix of another's, so a selector names one family
    assert not any(a != b and b.startswith(a) for a in codes if a != "E" for b in codes)


def test_one_module_per_rule() -> None:
    files = {p.stem for p in (REPO / "src/cnncalc/lint/rules").glob("*.py") if p.stem != "__init__"}
    assert files == set(registry.RULE_MODULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule: type[Rule]) -> None:
    assert rule.summary().endswith(".") and len(rule.summary()) < 100
    assert len(rule.rationale()) > 200
    assert set(rule.examples()) == {"Bad", "Good"}
    assert rule.severity.value in ("error", "warning", "info")
    for name, opt in rule.options.items():
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", name) and opt.help
        assert opt.parse(opt.default) == opt.default


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_fixtures_and_a_test_file(rule: type[Rule]) -> None:
    folder = RULE_FIXTURES / rule.name
    assert (folder / "fail.yaml").is_file() and (folder / "pass.yaml").is_file()
    test = HERE / f"test_rule_{rule.name.replace('-', '_')}.py"
    assert test.is_file() and "check_pair(" in test.read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_examples_do_what_they_say(rule: type[Rule], tmp_path: Path) -> None:
    ex = rule.examples()
    bad = lint_text(ex["Bad"], tmp_path, "bad.yaml", config_for(ex["Bad"], tmp_path))
    assert bad and all(registry.rule_for(f.code) is rule for f in bad), [f.code for f in bad]
    assert lint_text(ex["Good"], tmp_path, "good.yaml", config_for(ex["Good"], tmp_path)) == []
