"""The zoo against torchvision's own figures (tests/data/torchvision_zoo.json, counted by
torch; its source: tests/data/README.md): total parameters, buffers, conv+linear MACs, the
output, every leaf layer's output shape by name in call order (and its parameters), at every
input listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .reference import check_network

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torchvision_zoo.json"

# spec file, and the layers torchvision computes with functions rather than modules
ZOO = {
    "alexnet": ("alexnet.yaml", r"flatten"),
    "vgg16": ("vgg16.yaml", r"flatten"),
    "resnet18": ("resnet18.yaml", r"flatten|layer\d\.\d+\.add"),
    "resnet50": ("resnet50.yaml", r"flatten|layer\d\.\d+\.add"),
    "mobilenet_v2": ("mobilenet_v2.yaml", r"pool|flatten|features\.\d+\.add"),
}


def models() -> dict[str, dict[str, object]]:
    return json.loads(REFERENCE.read_text())["models"]  # type: ignore[no-any-return]


def test_every_reference_network_has_a_spec() -> None:
    assert set(models()) == set(ZOO), "the reference and the zoo list differ"


@pytest.mark.parametrize("key", sorted(ZOO))
def test_matches_torchvision(key: str) -> None:
    spec, extras = ZOO[key]
    check_network(spec, models()[key], extras)  # type: ignore[arg-type]
