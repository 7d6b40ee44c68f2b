"""Configuration: pyproject.toml [tool.cnncalc] or .cnncalc.yaml, discovery, and bad config."""

from __future__ import annotations

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
