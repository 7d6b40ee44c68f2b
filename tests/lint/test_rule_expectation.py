"""X401 expectation: stated figures against computed ones; torch as the authority on shapes."""

from __future__ import annotations

from pathlib import Path

import pytest
from lintkit import check_pair, lint_text


def test_fixtures_catch_the_modern_lenet() -> None:
    found = check_pair("expectation")
    c1 = next(f for f in found if f.layer == "C1")
    assert c1.message == "output_shape stated 6×28×28, computed 6×30×30"
    assert c1.hint.startswith("padding: 0 gives 28×28")
    total = next(f for f in found if not f.layer)
    assert total.message == "total_params stated 61,706, computed 82,826 (+21,120)"


def test_torch_agrees_with_the_figures_in_the_findings() -> None:
    torch = pytest.importorskip("torch")
    x = torch.empty(1, 1, 32, 32, device="meta")
    assert torch.nn.Conv2d(1, 6, 5, padding=1, device="meta")(x).shape == (1, 6, 30, 30)
    assert torch.nn.Conv2d(1, 6, 5, padding=0, device="meta")(x).shape == (1, 6, 28, 28)  # the hint
    nn = torch.nn
    modern = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=1),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(),
        nn.Linear(16 * 6 * 6, 120),
        nn.Linear(120, 84),
        nn.Linear(84, 10),
    )
    assert sum(p.numel() for p in modern.parameters()) == 82_826
    assert modern(torch.zeros(1, 1, 32, 32)).shape == (1, 10)


def test_symbolic_stated_shape(tmp_path: Path) -> None:
    spec = (
        "name: s\ninput: {channels: 3, height: H, width: 64}\n"
        "symbols: {H: {min: 8, max: 512}}\nlayers:\n"
        "  - {type: conv2d, out_channels: 8, kernel_size: 3, stride: 2, padding: 1, "
        "expect: {output_shape: [8, %s, 32]}}\n"
    )
    assert lint_text(spec % "'ceil(H/2)'", tmp_path) == []
    [f] = lint_text(spec % "'floor(H/2)'", tmp_path)
    assert f.code == "X401" and "⌈H/2⌉" in f.message


def test_a_total_on_a_layer_is_reported(tmp_path: Path) -> None:
    spec = (
        "name: s\ninput: {features: 4}\nlayers:\n"
        "  - {type: linear, out_features: 2, expect: {total_params: 10}}\n"
    )
    [f] = lint_text(spec, tmp_path)
    assert "whole-network" in f.message and f.pos.line == 4
