"""Specs against torch's own figures for the torchvision models (tests/data/torchvision_full.json,
its source: tests/data/README.md): parameters, trainable, buffers, MACs as FlopCounterMode
counts them, the output(s) and every leaf module call (reference.check_full).

`FULL` maps a reference model to its spec and the layers torchvision computes with functions
rather than modules (`out += identity`, torch.cat, torch.flatten, …), by name pattern, so that
an invented layer cannot slip through. docs/torchvision.md lists the models without a spec."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from .reference import SPECS, check_full

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "torchvision_full.json"

RESNET = r"layer\d\.\d+\.add|flatten"
CONVNEXT = r"features\.\d\.\d+\.(layer_scale|add)"
# nn.MultiheadAttention's forward calls no submodule (out_proj is a weight it reads)
VIT = (
    r"reshape|permute|class_token|encoder\.pos_embedding|select"
    r"|encoder\.layers\.encoder_layer_\d+\.(self_attention|add|add_1)"
)
FULL: dict[str, tuple[str, str]] = {
    "alexnet": ("alexnet.yaml", r"flatten"),
    "convnext_base": ("convnext/convnext_base.yaml", CONVNEXT),
    "convnext_large": ("convnext/convnext_large.yaml", CONVNEXT),
    "convnext_tiny": ("convnext/convnext_tiny.yaml", CONVNEXT),
    "densenet121": ("densenet121.yaml", r"features\.denseblock\d\.cat\d+|pool|flatten"),
    "efficientnet_b0": (
        "efficientnet_b0.yaml",
        r"features\.\d\.\d\.(add|block\.\d\.scale)|flatten",
    ),
    "googlenet": ("googlenet.yaml", r"inception\d[a-e]\.cat|flatten"),
    "mobilenet_v2": ("mobilenet_v2.yaml", r"pool|flatten|features\.\d+\.add"),
    "mobilenet_v3_large": (
        "mobilenet_v3_large.yaml",
        r"features\.\d+\.(add|block\.\d\.scale)|flatten",
    ),
    "r3d_18": ("r3d_18.yaml", r"layer\d\.\d\.add|flatten"),
    "resnet18": ("resnet18.yaml", RESNET),
    "resnet50": ("resnet50.yaml", RESNET),
    "resnet152": ("resnet152.yaml", RESNET),
    "shufflenet_v2_x1_0": (
        "shufflenet_v2_x1_0.yaml",
        r"stage\d\.\d+\.(split\.[01]|cat|shuffle)|mean|flatten",
    ),
    "squeezenet1_0": ("squeezenet1_0.yaml", r"features\.\d+\.cat|flatten"),
    "squeezenet1_1": ("squeezenet1_1.yaml", r"features\.\d+\.cat|flatten"),
    "vgg16": ("vgg16.yaml", r"flatten"),
    "vit_b_16": ("vit/vit_b_16.yaml", VIT),
    "vit_b_32": ("vit/vit_b_32.yaml", VIT),
    "vit_h_14": ("vit/vit_h_14.yaml", VIT),
    "vit_l_16": ("vit/vit_l_16.yaml", VIT),
}


@cache
def models() -> dict[str, dict[str, Any]]:
    return json.loads(REFERENCE.read_text())["models"]  # type: ignore[no-any-return]


def test_every_spec_listed_is_a_reference_model_with_a_file() -> None:
    assert set(FULL) <= set(models())
    for spec, extras in FULL.values():
        assert (SPECS / spec).is_file(), spec
        re.compile(extras)


def test_the_models_without_a_spec_are_the_ones_docs_list() -> None:
    """docs/torchvision.md says which models have no spec yet; it may not claim more."""
    doc = (SPECS.parent / "docs" / "torchvision.md").read_text()
    missing = re.findall(r"^\| `([a-z0-9_]+)` \| — \|", doc, re.M)
    assert sorted(missing) == sorted(set(models()) - set(FULL))


@pytest.mark.parametrize("key", sorted(FULL))
def test_matches_torch(key: str) -> None:
    spec, extras = FULL[key]
    check_full(SPECS / spec, models()[key], extras)
