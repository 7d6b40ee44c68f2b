"""Every complete spec in docs/spec-format.md loads and analyses, and comes to the figures
its `expect:` states (worked out with torch.nn when the docs were written)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnncalc.api import analyze, loads

DOC = Path(__file__).resolve().parents[2] / "docs" / "spec-format.md"
EXAMPLES = re.findall(r"```yaml\n(name:.*?)```", DOC.read_text(), re.S)


def test_the_docs_have_examples() -> None:
    assert len(EXAMPLES) >= 3


@pytest.mark.parametrize("text", EXAMPLES, ids=[t.splitlines()[0] for t in EXAMPLES])
def test_example(text: str) -> None:
    net = loads(text, "example.yaml")
    report = analyze(net)
    expect = net.expect
    assert expect is not None, "each example states its figures"
    if expect.output_shape is not None:
        assert list(report.outputs[0]) == expect.output_shape
    if expect.total_params is not None:
        assert report.totals.params == expect.total_params
