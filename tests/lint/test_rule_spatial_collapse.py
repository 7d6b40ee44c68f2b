"""W202 spatial-collapse."""

from __future__ import annotations

from pathlib import Path

from lintkit import RULE_FIXTURES, check_pair, config_for, lint

from cnncalc.lint.config import from_mapping


def test_fixtures() -> None:
    [f] = check_pair("spatial-collapse")
    assert f.layer == "pool5" and "conv2d_4, conv2d_5" in f.message


def test_min_size_option_widens_what_counts_as_collapsed(tmp_path: Path) -> None:
    path = RULE_FIXTURES / "spatial-collapse" / "fail.yaml"
    strict = from_mapping({"rules": {"spatial-collapse": {"min-size": 2}}}, str, tmp_path, "")
    found = lint(path, strict)
    # at 2×2 the maps already count as collapsed: the collapse is reported one pooling earlier
    assert [(f.code, f.layer) for f in found] == [("W202", "maxpool2d_4")]
    assert lint(path, config_for("", tmp_path))[0].layer == "pool5"
