"""W204 merge-mismatch: merges torch accepts silently by broadcasting."""

from __future__ import annotations

from pathlib import Path

import pytest
from lintkit import RULE_FIXTURES, check_pair, lint

from cnncalc.lint.config import from_mapping


def test_fixtures() -> None:
    found = check_pair("merge-mismatch")
    assert [f.layer for f in found] == ["sum", "joined"]


def test_channel_broadcast_can_be_allowed(tmp_path: Path) -> None:
    cfg = from_mapping({"rules": {"W204": {"channel-broadcast": False}}}, str, tmp_path, "")
    found = lint(RULE_FIXTURES / "merge-mismatch" / "fail.yaml", cfg)
    assert [f.layer for f in found] == ["joined"]


def test_torch_accepts_what_this_rule_reports() -> None:
    torch = pytest.importorskip("torch")
    a = torch.zeros(1, 64, 20, 64)
    assert (a + torch.zeros(1, 1, 20, 64)).shape == a.shape  # 1 channel broadcast to 64
