"""W204 merge-mismatch: merges torch accepts silently by broadcasting."""

from __future__ import annotations

from pathlib import Path

import pytest
from lintkit import RULE_FIXTURES, check_pair, lint, lint_text

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


def test_matmul_and_attention_agree_only_where_they_need_to(tmp_path: Path) -> None:
    """matmul's columns meet the other's rows, and attention's key and value share a length:
    their other sizes may differ (a symbolic L against a fixed 2 is no mismatch)."""
    text = (
        "name: t\ninput: {channels: 2, length: L}\nsymbols: {L: {min: 3, max: 64}}\nlayers:\n"
        "  - {name: p, type: adaptiveavgpool1d, output_size: 4}\n"
        "  - {name: q, type: permute, dims: [0, 2, 1], from: p}\n"
        "  - {name: kv, type: permute, dims: [0, 2, 1], from: input}\n"
        "  - {name: m, type: matmul, from: [kv, p]}\n"
        "  - {name: a, type: multiheadattention, embed_dim: 2, num_heads: 1, batch_first: true,"
        " from: [q, kv, kv]}\n"
    )
    found = lint_text(text, tmp_path)
    assert not [f for f in found if f.code.startswith("E")], found
    assert [f for f in found if f.code == "W204"] == []


def test_matmul_broadcasts_its_batch_dimensions_without_a_finding(tmp_path: Path) -> None:
    """matmul's leading dimensions broadcast as torch's batch dimensions do: 1×6×5 @ 3×5×6 is
    the usual case, not a 1-channel branch broadcast by accident (it was a W204)."""
    text = (
        "name: t\ninput: {channels: 3, height: 5, width: 6}\nlayers:\n"
        "  - {name: q, type: mean, dim: 1, keepdim: true}\n"
        "  - {name: qt, type: transpose, dim0: 2, dim1: 3}\n"
        "  - {name: prod, type: matmul, from: [qt, input]}\n"
    )
    assert [f for f in lint_text(text, tmp_path) if f.code == "W204"] == []
    add = text.replace("type: matmul, from: [qt, input]", "type: add, from: [q, input]")
    assert [f.code for f in lint_text(add, tmp_path) if f.code == "W204"] == ["W204"]  # channels do
