"""B301 budget: figures checked against torch's own parameter count and by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from lintkit import check_pair, lint_text

from cnncalc.lint.rule import parse_amount


def test_fixtures() -> None:
    found = check_pair("budget")
    text = " | ".join(f.message for f in found)
    assert "parameters 61,706 exceed max-params 60,000 by 1,706" in text
    # MACs: C1 6·25·28·28 + C3 16·150·10·10 + 400·120 + 120·84 + 84·10
    assert (
        f"MACs {6 * 25 * 28 * 28 + 16 * 150 * 100 + 400 * 120 + 120 * 84 + 84 * 10:,} exceed"
        in text
    )
    # activations: every layer's output, float32
    elements = 6 * 28 * 28 + 6 * 14 * 14 + 16 * 10 * 10 + 16 * 5 * 5 + 400 + 120 + 84 + 10
    assert f"bytes of activations (float32) {4 * elements:,} exceed" in text


def test_lenet_parameters_agree_with_torch() -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.Linear(120, 84),
        nn.Linear(84, 10),
    )
    assert sum(p.numel() for p in net.parameters()) == 61_706


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (12, 12),
        ("12M", 12_000_000),
        ("1.5G", 1_500_000_000),
        ("64MB", 64_000_000),
        ("512KiB", 524_288),
        ("60k", 60_000),
        ("2 GiB", 2 * 2**30),
    ],
)
def test_amounts(text: object, value: int) -> None:
    assert parse_amount(text, "x") == value


@pytest.mark.parametrize("bad", ["12Q", "-1", True, "1.2.3", [1]])
def test_bad_amounts(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        parse_amount(bad, "x")


def test_symbolic_input_is_checked_at_its_bound_or_reported_unbounded(tmp_path: Path) -> None:
    from cnncalc.lint.config import from_mapping

    cfg = from_mapping({"budgets": {"max-macs": "1M"}}, str, tmp_path, "")
    spec = (
        "name: s\ninput: {{channels: 3, height: H, width: H}}\n{symbols}layers:\n"
        "  - {{type: conv2d, out_channels: 8, kernel_size: 3, padding: 1}}\n"
    )
    [f] = lint_text(spec.format(symbols=""), tmp_path, config=cfg)
    assert "no upper bound" in f.message and "symbols" in f.hint
    # H ≤ 64: 8·27·64·64 = 884,736 MACs fits; H ≤ 128 does not
    assert lint_text(spec.format(symbols="symbols: {H: {max: 64}}\n"), tmp_path, config=cfg) == []
    [f] = lint_text(spec.format(symbols="symbols: {H: {max: 128}}\n"), tmp_path, config=cfg)
    assert f"up to {8 * 27 * 128 * 128:,}" in f.message
