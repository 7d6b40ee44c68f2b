"""Configuration: pyproject.toml [tool.cnncalc] or .cnncalc.yaml, discovery, and bad config."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from lintkit import RULE_FIXTURES

from cnncalc.errors import UsageError
from cnncalc.lint import Severity, discover, lint_paths, load_config

FAIL = RULE_FIXTURES / "kernel-padding" / "fail.yaml"  # three W203 findings


def spec_in(folder: Path, name: str = "net.yaml") -> Path:
    (folder / "specs").mkdir(exist_ok=True)
    path = folder / "specs" / name
    path.write_text(FAIL.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_pyproject_table_is_found_from_a_subfolder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.cnncalc]\nfail-on = "warning"\n'
        '[tool.cnncalc.per-file-ignores]\n"specs/net.yaml" = ["kernel-padding"]\n',
        encoding="utf-8",
    )
    spec_in(tmp_path)
    cfg = discover(tmp_path / "specs")
    assert cfg.source == str(tmp_path / "pyproject.toml") and cfg.fail_on is Severity.WARNING
    assert lint_paths([str(tmp_path / "specs")], cfg).findings == []


def test_yaml_config_wins_and_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "pyproject.toml").write_text("[tool.black]\n", encoding="utf-8")
    (tmp_path / ".cnncalc.yaml").write_text(
        "ignore: [W2]\nexclude: [specs/skip*.yaml]\n", encoding="utf-8"
    )
    spec_in(tmp_path)
    spec_in(tmp_path, "skip_me.yaml")
    cfg = discover(tmp_path / "specs")
    assert cfg.source.endswith(".cnncalc.yaml")
    result = lint_paths([str(tmp_path / "specs")], cfg)
    assert result.files == [str(tmp_path / "specs" / "net.yaml")] and result.findings == []


def test_no_config_means_defaults(tmp_path: Path) -> None:
    cfg = discover(tmp_path)
    assert cfg.source == "" and cfg.select == ("ALL",) and cfg.fail_on is Severity.ERROR


def test_empty_yaml_config_is_the_defaults(tmp_path: Path) -> None:
    (tmp_path / ".cnncalc.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert discover(tmp_path).select == ("ALL",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ignroe: [W201]\n", ".cnncalc.yaml:1:1: unknown key 'ignroe'; did you mean 'ignore'?"),
        ("select: [W999]\n", ".cnncalc.yaml:1:1: unknown rule code or name 'W999'"),
        ("fail-on: fatal\n", "must be error, warning or info"),
        ("budgets: {max-params: lots}\n", ".cnncalc.yaml:1:11: max-params must be a number"),
        ("budgets: {max-flops: 1G}\n", "budget has no option 'max-flops'"),
        ("rules: {spatial-collapse: {min-size: 0}}\n", "min-size must be a positive integer"),
        ("rules: {no-such-rule: {}}\n", "unknown rule 'no-such-rule'"),
        ("select: [W201\n", ".cnncalc.yaml:2:1: YAML syntax error"),
    ],
)
def test_bad_yaml_config_is_a_located_usage_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".cnncalc.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(err.value).startswith(str(path))


def test_bad_toml_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.cnncalc]\nignore = "W201\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"pyproject\.toml"):
        load_config(path)
    path.write_text("[tool.cnncalc]\nselect = [1]\n", encoding="utf-8")
    with pytest.raises(UsageError, match=r"\[tool.cnncalc\] select: must be a list"):
        load_config(path)


# ---- bad config is a usage error (exit 2), one line naming the file and the key -------------
BIG = "9" * 5000


def lint_cli(folder: Path, *args: str) -> tuple[int, str]:
    from typer.testing import CliRunner

    from cnncalc.cli.app import app

    old = Path.cwd()
    os.chdir(folder)
    try:
        r = CliRunner().invoke(app, ["lint", *args, str(spec_in(folder))])
    finally:
        os.chdir(old)
    return r.exit_code, r.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('tool = "cnncalc"\n', "pyproject.toml: tool must be a table"),
        ("tool = 5\n", "pyproject.toml: tool must be a table of tools' settings"),
        ("tool = [1]\n", "pyproject.toml: tool must be a table"),
        ('tool = ["cnncalc"]\n', "got an array"),
        ("[tool]\ncnncalc = 3\n", "pyproject.toml: tool.cnncalc must be a table"),
        (
            "[tool.cnncalc.budgets]\nmax-params = 0\n",
            "budgets.max-params: max-params must be at least 1",
        ),
        ('[tool.cnncalc.budgets]\nmax-params = "0.1"\n', "must come to a whole number, got '0.1'"),
        ('[tool.cnncalc.budgets]\nmax-macs = "0k"\n', "max-macs must be at least 1"),
        ('[tool.cnncalc.budgets]\nmax-macs = "1.0001k"\n', "whole number, got '1.0001k' = 1000.1"),
        (
            f"[tool.cnncalc.budgets]\nmax-params = {BIG}\n",
            "pyproject.toml:2: 'max-params': an integer too long",
        ),
        (f"[project]\nversion = {BIG}\n", "pyproject.toml:2: 'version': an integer too long"),
        ("[tool.x]\na = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply to read"),
        ('[tool.cnncalc]\nignore = [""]\n', "[tool.cnncalc] ignore: an empty entry; give ALL"),
        ('[tool.cnncalc]\nselect = ["W201", " "]\n', "select: an empty entry"),
        (
            '[tool.cnncalc.per-file-ignores]\n"*.yaml" = [""]\n',
            "per-file-ignores.*.yaml: an empty entry",
        ),
        ('[tool.cnncalc]\nignore = ["Q1"]\n', "unknown rule code or name 'Q1'; give ALL, a code"),
        (f"[tool.cnncalc]\nfail-on = {'9' * 40}\n", "must be error, warning or info, got 99999"),
    ],
)
def test_bad_pyproject_is_one_usage_error(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml, encoding="utf-8")
    code, err = lint_cli(tmp_path)
    assert code == 2 and message in err, err
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err


def test_the_list_of_valid_selectors_names_every_code_and_rule(tmp_path: Path) -> None:
    from cnncalc.lint import registry
    from cnncalc.lint.rules.spec_error import CORE_CODES

    (tmp_path / "pyproject.toml").write_text('[tool.cnncalc]\nignore = [""]\n', encoding="utf-8")
    _, err = lint_cli(tmp_path)
    spans = [(lo, hi or lo) for lo, hi in re.findall(r"\b([A-Z]\d{3})(?:-([A-Z]\d{3}))?", err)]
    codes = [*CORE_CODES, *(r.code for r in registry.rules() if r.name != "spec-error")]
    for code in codes:
        assert any(lo <= code <= hi for lo, hi in spans), code
    for rule in registry.rules():
        assert rule.name in err


@pytest.mark.parametrize("flag", ["--select", "--ignore"])
def test_an_empty_selector_on_the_command_line_is_refused(tmp_path: Path, flag: str) -> None:
    code, err = lint_cli(tmp_path, "--isolated", flag, " , ")
    assert code == 2 and f"{flag}: names no rule; give ALL" in err


def test_spec_patterns_make_files_specs(tmp_path: Path) -> None:
    """A file the `specs` patterns match must be a spec, even where other YAML is skipped."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cnncalc]\nspecs = ["specs/**/*.yaml"]\n', encoding="utf-8"
    )
    spec_in(tmp_path)
    (tmp_path / "specs" / "empty.yaml").write_text("notes: not a network\n", encoding="utf-8")
    (tmp_path / "other.yaml").write_text("notes: not a network\n", encoding="utf-8")
    cfg = discover(tmp_path)
    result = lint_paths([str(tmp_path)], cfg)
    assert result.reasons == {str(tmp_path / "other.yaml"): "not a spec"}
    [e000] = [f for f in result.findings if f.code == "E000"]
    assert e000.pos.file == str(tmp_path / "specs" / "empty.yaml")
    only = lint_paths([str(tmp_path / "specs" / "empty.yaml")], cfg, skip_non_specs=True)
    assert [f.code for f in only.findings] == ["E000"]
