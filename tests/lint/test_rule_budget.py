"""B301 budget: figures checked against torch's own parameter count and by hand."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lintkit import check_pair, lint_text

from cnncalc.lint.rule import parse_amount
from cnncalc.lint.rules.budget import memory


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
    used, limit = 4 * elements, 32_000  # max-activation-memory: 32KB, 10^3 bytes a kB
    assert (
        f"activation memory (float32) {used:,} bytes ({used * 10 // 1024 / 10} KiB) exceeds "
        f"max-activation-memory {limit:,} bytes ({limit * 10 // 1024 / 10} KiB) "
        f"by {used - limit:,} bytes" in text
    )


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
        ("1.5KiB", 1536),
        ("0.5k", 500),
        (10**30, 10**30),
    ],
)
def test_amounts(text: object, value: int) -> None:
    assert parse_amount(text, "x") == value


@pytest.mark.parametrize("bad", ["12Q", "-1", True, "1.2.3", [1], -5, "9" * 41])
def test_bad_amounts(bad: object) -> None:
    with pytest.raises(ValueError, match="must be a number"):
        parse_amount(bad, "x")


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (0, "x must be at least 1"),  # once a ZeroDivisionError in the finding's percentage
        ("0", "x must be at least 1"),
        ("0k", "x must be at least 1"),
        ("0.1", "x must come to a whole number, got '0.1' = 0.1"),  # was rounded down to 0
        ("1.0001k", "whole number, got '1.0001k' = 1000.1"),
        ("0.3KiB", "whole number"),
        (10**30 + 1, "x must be at most 10^30"),
        ("2000000000000000000T", "x must be at most 10^30"),
    ],
)
def test_amounts_that_allow_nothing_or_are_not_whole_are_refused(bad: object, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_amount(bad, "x")


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (1023, "1,023 bytes"),
        (1024, "1,024 bytes (1.0 KiB)"),
        (1536, "1,536 bytes (1.5 KiB)"),
        (64 * 10**6, "64,000,000 bytes (61.0 MiB)"),  # 64 MB is not 64 MiB
        (2**20 - 1, "1,048,575 bytes (1,023.9 KiB)"),
        (3 * 2**30, "3,221,225,472 bytes (3.0 GiB)"),
        (2**90, f"{2**90:,} bytes (1,024.0 YiB)"),
    ],
)
def test_memory_is_printed_in_bytes_and_iec_units(n: int, text: str) -> None:
    assert memory(n) == text


def test_a_budget_of_1_on_a_huge_network_prints(tmp_path: Path) -> None:
    """Percentages and memory in integer arithmetic: a float overflowed past 10^308."""
    from cnncalc.lint.config import from_mapping

    n = 10**99 - 1  # the largest literal a spec takes; the kernel's weights: n^4 ~ 10^396
    spec = (
        f"name: s\ninput: {{channels: {n}, height: {n}, width: {n}}}\nlayers:\n"
        f"  - {{type: conv2d, out_channels: {n}, kernel_size: {n}}}\n"
    )
    for budget, what in (("max-params", "parameters"), ("max-activation-memory", "memory")):
        cfg = from_mapping({"budgets": {budget: 1}}, str, tmp_path, "")
        [f] = lint_text(spec, tmp_path, config=cfg)
        assert what in f.message and f" {budget} 1 " in f.message and "%)" in f.message
    [f] = lint_text(
        spec, tmp_path, config=from_mapping({"budgets": {"max-params": 1}}, str, tmp_path, "")
    )
    params = n * n * n * n + n  # weights and biases
    assert (
        f"parameters {params:,} exceed max-params 1 by {params - 1:,} ({(params - 1) * 100:,}.0%)"
        in f.message
    )
