"""SARIF 2.1.0, for GitHub code scanning (upload-sarif) and other SARIF viewers.

Validated in tests against the published OASIS schema (tests/lint/sarif-schema-2.1.0.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cnncalc import __version__
from cnncalc.lint import registry
from cnncalc.lint.diagnostics import Severity
from cnncalc.lint.rule import Rule
from cnncalc.lint.rules.spec_error import CORE_CODES
from cnncalc.lint.runner import LintResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _descriptor(code: str, rule: type[Rule], short: str) -> dict[str, Any]:
    ex = rule.examples()
    help_md = rule.rationale() + "".join(
        f"\n\n{label}:\n```yaml\n{text}```" for label, text in ex.items()
    )
    return {
        "id": code,
        "name": rule.name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": rule.rationale()},
        "help": {"text": f"cnncalc rules {code}", "markdown": help_md},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
    }


def descriptors() -> list[dict[str, Any]]:
    """One reportingDescriptor per code a finding can carry (each core code, each rule)."""
    out: list[dict[str, Any]] = []
    for rule in registry.rules():
        if rule.name == "spec-error":
            out += [
                _descriptor(c, rule, f"The spec has {what}") for c, (what, _) in CORE_CODES.items()
            ]
        else:
            out.append(_descriptor(rule.code, rule, rule.summary()))
    return out


def _uri(file: str) -> dict[str, str]:
    p = Path(file)
    if p.is_absolute():
        return {"uri": p.as_uri()}
    return {"uri": quote(p.as_posix()), "uriBaseId": "%SRCROOT%"}


def render(result: LintResult) -> str:
    rules = descriptors()
    index = {r["id"]: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in result.findings:
        region: dict[str, int] = {}
        if f.pos.line:
            region["startLine"] = f.pos.line
            if f.pos.col:
                region["startColumn"] = f.pos.col
        physical: dict[str, Any] = {"artifactLocation": _uri(f.pos.file)}
        if region:
            physical["region"] = region
        location: dict[str, Any] = {"physicalLocation": physical}
        if f.layer:
            location["logicalLocations"] = [{"name": f.layer, "kind": "member"}]
        layer = f"layer '{f.layer}': " if f.layer else ""
        res: dict[str, Any] = {
            "ruleId": f.code,
            "level": _LEVEL[f.severity],
            "message": {"text": f"{layer}{f.message}" + (f" (hint: {f.hint})" if f.hint else "")},
            "locations": [location],
        }
        if f.code in index:
            res["ruleIndex"] = index[f.code]
        results.append(res)
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "cnncalc",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
