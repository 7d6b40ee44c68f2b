"""W206 unused-output."""

from __future__ import annotations

from pathlib import Path

from lintkit import check_pair, lint_text


def test_fixtures() -> None:
    [f] = check_pair("unused-output")
    assert f.layer == "b5b"  # the dead branch's last layer, not b5a which b5b reads


def test_network_without_outputs_key_uses_its_last_layer(tmp_path: Path) -> None:
    text = (
        "name: x\ninput: {features: 8}\nlayers:\n"
        "  - {name: a, type: linear, out_features: 4}\n"
        "  - {name: b, type: linear, out_features: 4, from: input}\n"
    )
    assert [(f.code, f.layer) for f in lint_text(text, tmp_path)] == [("W206", "a")]
