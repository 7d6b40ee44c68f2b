"""Every spec in specs/ and its family folders (read when the tests are collected; the block
libraries in specs/blocks/ are not networks) generates a module
that torch proves equal to cnncalc's figures: parameters (trainable and fixed) and buffers at
the spec's own input, and every named layer's output shape on a random batch of 2 at a small
input where the spec allows one (the code is the same: checked). Specs named like a model in
the torchvision reference also match torchvision's own counts. Generated files are ruff-clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cnncalc.api import analyze, load
from cnncalc.codegen import generate
from cnncalc.codegen.check import compare
from tests.codegen.kit import needs_ruff, ruff_problems, small_report

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted(
    p for p in (ROOT / "specs").rglob("*.yaml") if p.parent.name != "blocks"
)  # the torchvision families included: issue 15 asks `codegen torch --check` of each
IDS = [str(s.relative_to(ROOT / "specs").with_suffix("")) for s in SPECS]
REFERENCE = ROOT / "tests" / "data" / "torchvision_zoo.json"  # its source: tests/data/README.md


def key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def torchvision(spec: Path, name: str) -> dict[str, int] | None:
    models = json.loads(REFERENCE.read_text())["models"]
    found = {key(m): v for m, v in models.items()}
    return found.get(key(spec.stem)) or found.get(key(name))


def without_docstring(code: str) -> str:
    """The code minus the class docstring, which states the input size and the totals."""
    return re.sub(r'(class \w+\(nn\.Module\):\n    """).*?"""', r"\1", code, flags=re.S)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_zoo_spec_is_proven_by_torch(spec: Path) -> None:
    net = load(spec)
    report = analyze(net)
    generated = generate(report)
    small = small_report(net, report)
    if small is not report and without_docstring(generate(small).code) != without_docstring(
        generated.code
    ):
        small = report  # the code depends on the input size here: run at the spec's own
    result = compare(report, generated, at=small)
    assert result.ok, "\n".join(result.mismatches)
    reference = torchvision(spec, net.name)
    if reference is not None:
        got = result.measured
        assert got.trainable + got.fixed == reference["params_total"]
        assert got.trainable == reference["params_trainable"]
        assert got.buffers == reference["buffer_elements"]


@needs_ruff
@pytest.mark.parametrize("spec", SPECS, ids=IDS)
@pytest.mark.parametrize("width", [88, 100])
def test_zoo_code_is_ruff_clean(spec: Path, width: int) -> None:
    code = generate(analyze(load(spec)), line_length=width).code
    assert not ruff_problems(code, width), code


def test_the_reference_covers_some_zoo_specs() -> None:
    """Guard: the torchvision comparison above runs for the five reference models."""
    matched = [s.stem for s in SPECS if torchvision(s, load(s).name) is not None]
    assert {"alexnet", "vgg16", "resnet18", "resnet50", "mobilenet_v2"} <= set(matched)
