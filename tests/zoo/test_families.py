"""Family specs (`args:`, docs/families.md) proven member by member against torch: every
EfficientNet-B0…B7 in tests/data/torchvision_full.json from the one spec with `--set phi=N`,
and MobileNetV2 at torchvision's width 1.0 (the json) and at other widths (a plain torch build
written after torchvision's code, tests/zoo/torch_nets.py, measured by torch)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from . import torch_nets as tn
from .reference import SPECS, check_full, check_network
from .test_torchvision_full import EFFICIENTNET, models

FAMILY = SPECS / "efficientnet" / "efficientnet.yaml"
# torchvision's table: (width, depth, resolution, dropout) per phi
TABLE = {
    0: (1.0, 1.0, 224, 0.2),
    1: (1.0, 1.1, 240, 0.2),
    2: (1.1, 1.2, 260, 0.3),
    3: (1.2, 1.4, 300, 0.3),
    4: (1.4, 1.8, 380, 0.4),
    5: (1.6, 2.2, 456, 0.4),
    6: (1.8, 2.6, 528, 0.5),
    7: (2.0, 3.1, 600, 0.5),
}
MOBILENET = r"pool|flatten|features\.\d+\.add"


@pytest.mark.parametrize("phi", [0, 1, 2, 4, 5, 6, 7])  # B3 is not in the reference file
def test_efficientnet_family_member_matches_torchvision(phi: int) -> None:
    """The json's figures are at 224×224 for every member, so the resolution is set to it."""
    check_full(
        FAMILY,
        models()[f"efficientnet_b{phi}"],
        EFFICIENTNET,
        {"phi": str(phi), "resolution": "224"},
    )


@pytest.mark.parametrize("phi", sorted(TABLE))
def test_efficientnet_family_defaults_are_the_published_table(phi: int) -> None:
    from cnncalc.api import analyze, load

    net = load(FAMILY, {"phi": str(phi)})
    width, depth, res, dropout = TABLE[phi]
    assert (net.args["width"], net.args["depth"], net.args["dropout"]) == (width, depth, dropout)
    assert net.input_shape == (3, res, res) and net.name == f"EfficientNet-B{phi}"
    # the member is the per-model spec (B3 has none: B2's block with B3's row, checked above)
    if phi in (1, 2, 4, 5, 6, 7):
        single = analyze(load(SPECS / "efficientnet" / f"efficientnet_b{phi}.yaml"))
        member = analyze(load(FAMILY, {"phi": str(phi), "resolution": "224"}))
        assert [(s.name, s.output_shape, s.counts) for s in member.layers] == [
            (s.name, s.output_shape, s.counts) for s in single.layers
        ]


def test_the_resnet50_family_at_its_defaults_is_torchvisions_resnet50() -> None:
    from .test_torchvision_full import RESNET

    check_full(SPECS / "resnet" / "resnet50_family.yaml", models()["resnet50"], RESNET)


def test_mobilenet_v2_at_width_1_matches_torchvision() -> None:
    check_full(SPECS / "mobilenet_v2.yaml", models()["mobilenet_v2"], MOBILENET)
    check_full(SPECS / "mobilenet_v2.yaml", models()["mobilenet_v2"], MOBILENET, {"width": "1.0"})


@cache
def mobilenet(width: float, res: int) -> dict[str, Any]:
    return tn.describe(tn.build(lambda: tn.MobileNetV2(width)), (3, res, res))


def test_the_torch_mobilenet_v2_is_torchvisions() -> None:
    ref = models()["mobilenet_v2"]
    mine = mobilenet(1.0, 224)
    assert (mine["params_total"], mine["macs_conv_linear"]) == (ref["params_total"], ref["macs"])


@pytest.mark.parametrize(
    ("width", "res"), [(0.35, 224), (0.5, 160), (0.75, 192), (1.3, 224), (1.4, 96)]
)
def test_mobilenet_v2_width_matches_torch(width: float, res: int) -> None:
    sets = {"width": str(width), "resolution": str(res)}
    check_network("mobilenet_v2.yaml", mobilenet(width, res), MOBILENET, sets)
