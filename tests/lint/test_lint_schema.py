"""cnncalc schema: the spec format's JSON Schema validates every spec in specs/ and refuses a
broken one; editors pick it up through the README's yaml-language-server line."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
import yaml
from lintkit import REPO
from typer.testing import CliRunner

from cnncalc.cli.app import app
from cnncalc.layers import registry
from cnncalc.spec.load import TOP_KEYS


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    out = CliRunner().invoke(app, ["schema"])
    assert out.exit_code == 0
    data: dict[str, Any] = json.loads(out.stdout)
    jsonschema.Draft202012Validator.check_schema(data)
    return data


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


SPECS = sorted((REPO / "specs").rglob("*.yaml"))


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_spec_validates(schema: dict[str, Any], path: object) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[attr-defined]
    errors = [
        f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator(schema).iter_errors(data)
    ]
    assert errors == []


@pytest.mark.parametrize(
    "text",
    [
        "layers: [{type: conv2d, out_channels: 8, kernel_size: 3}]",  # no input
        "input: {channels: 3}\nlayers: [{type: conv2d, out_channels: 8, kernel_size: -3}]",
        "input: {channels: 3}\nlayers: [{type: conv2d, out_channels: 8, kernel_size: 3, x: 1}]",
        "input: {channels: 3}\nlayers: [{type: conv2d, kernel_size: 3}]",  # out_channels missing
        "input: {chanels: 3}\nlayers: [{type: relu}]",
        "input: {channels: 3}\nlayers: [{type: relu}]\nlayerz: []",
        "input: {channels: 3}\nlayers: [{type: linear, out_features: 8, activation: 7}]",
        "input: {channels: 3}\nlayers: [{type: maxpool2d, kernel_size: 2, padding: same}]",
    ],
)
def test_broken_specs_fail(schema: dict[str, Any], text: str) -> None:
    assert not validator(schema).is_valid(yaml.safe_load(text))


def test_every_layer_type_is_a_variant_keyed_by_type(schema: dict[str, Any]) -> None:
    layer = schema["$defs"]["Layer"]
    assert layer["discriminator"]["propertyName"] == "type"
    assert set(layer["discriminator"]["mapping"]) == {t for _, t in registry.types().values()}
    conv = schema["$defs"]["Conv"]["properties"]["type"]
    assert conv["enum"] == ["conv1d", "conv2d", "conv3d"]


def test_top_level_keys_follow_the_loader(schema: dict[str, Any]) -> None:
    assert set(schema["properties"]) == set(TOP_KEYS)


def test_block_uses_groups_and_expressions_are_left_to_the_loader(schema: dict[str, Any]) -> None:
    spec = yaml.safe_load(
        "input: {channels: 3, height: 32, width: 32}\n"
        "blocks: {b: {args: {c}, layers: [{type: conv2d, out_channels: $c, kernel_size: 3}]}}\n"
        "layers:\n"
        "  - {name: s, type: b, c: 8, repeat: 2}\n"
        "  - {name: g, layers: [{type: relu}]}\n"
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, repeat: 2,\n"
        "     stride: $2 if i == 0 else 1}\n"
    )
    assert validator(schema).is_valid(spec)


def _section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return readme.split("## Lint in CI", 1)[1].split("\n## ", 1)[0]


def test_readme_shows_the_editor_line_ci_and_pre_commit() -> None:
    section = _section()
    assert "# yaml-language-server: $schema=./cnncalc.schema.json" in section
    assert "      - run: cnncalc lint specs/" in section
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pre_commit = yaml.safe_load(
        section.split("\npre-commit, ", 1)[1].split("```yaml", 1)[1].split("```")[0]
    )
    assert pre_commit["repos"][0]["hooks"][0]["id"] == hooks[0]["id"]


@pytest.mark.parametrize(
    "line", [ln for ln in _section().split("```bash", 1)[1].split("```")[0].splitlines() if ln]
)
def test_readme_commands_run(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import shlex

    words = shlex.split(line.split("#")[0].split(">")[0])
    assert words[0] == "cnncalc"
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = CliRunner().invoke(app, words[1:])
    assert result.exit_code == 0, result.output
