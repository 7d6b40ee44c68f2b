"""docs/lint.md is generated from the rules' metadata and current; its examples run."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest
from lintkit import REPO
from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.lint import docs, registry
from cnncalc.lint.config import from_mapping

DOC = REPO / "docs" / "lint.md"


def test_docs_are_current() -> None:
    assert DOC.read_text(encoding="utf-8") == docs.markdown(), (
        "docs/lint.md is out of date: cnncalc rules --markdown > docs/lint.md"
    )


def test_config_example_is_valid_config(tmp_path: object) -> None:
    block = re.search(r"```toml\n(.*?)```", docs.PREAMBLE, re.S)
    assert block
    table = tomllib.loads(block.group(1))["tool"]["cnncalc"]
    cfg = from_mapping(table, str, REPO, "")
    assert cfg.ignore == ("W206",) and cfg.options["B301"]["max-params"] == 12_000_000


def _commands() -> list[list[str]]:
    block = re.search(r"```bash\n(.*?)```", docs.PREAMBLE, re.S)
    assert block
    out = []
    for line in block.group(1).splitlines():
        words = shlex.split(line.split("#")[0].split(">")[0])
        if words:
            assert words[0] == "cnncalc"
            out.append(words[1:])
    return out


@pytest.mark.parametrize("args", _commands(), ids=" ".join)
def test_documented_commands_run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def test_rules_command_explains_from_metadata() -> None:
    runner = CliRunner()
    listing = runner.invoke(app, ["rules"])
    assert listing.exit_code == 0
    for line, rule in zip(listing.stdout.splitlines(), registry.rules(), strict=False):
        assert rule.name in line and rule.summary() in line
    one = runner.invoke(app, ["rules", "window-drops-input"])
    assert one.exit_code == 0 and one.stdout.startswith("W201 window-drops-input (warning)")
    assert "Bad:" in one.stdout and "Good:" in one.stdout
    core = runner.invoke(app, ["rules", "E102"])
    assert core.exit_code == 0 and core.stdout.startswith(
        "E102: the spec has shapes that do not fit"
    )
    unknown = runner.invoke(app, ["rules", "W2O1"])
    assert unknown.exit_code == 2 and "W201" in unknown.stderr
