"""W205 linear-not-flat."""

from __future__ import annotations

import pytest
from lintkit import check_pair


def test_fixtures() -> None:
    [f] = check_pair("linear-not-flat")
    assert "16×12×12" in f.message and "2,304" in f.message and "flatten" in f.hint


def test_torch_applies_linear_to_the_last_dimension_silently() -> None:
    torch = pytest.importorskip("torch")
    fc = torch.nn.Linear(12, 10)
    assert fc(torch.zeros(1, 16, 12, 12)).shape == (1, 16, 12, 10)
