"""The zoo networks torchvision_zoo.json does not cover, figure for figure against two
authorities that are not cnncalc:

1. a plain torch.nn build of each (torch_nets.py, written after torchvision's code, with its
   module names), measured by torch: parameters, buffers, conv+linear MACs, the output, every
   leaf layer's output shape by name in call order, at 224×224 and at an odd size;
2. the figures torchvision publishes with its weights (the `num_params` and `_ops` fields of
   each WeightsEnum in torchvision/models/*.py, shown as "Params" and "GFLOPS" in the table
   at https://pytorch.org/vision/stable/models.html; `_ops` is conv+linear GMACs, e.g.
   ResNet-50's 4.089).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from . import torch_nets as tn  # noqa: E402
from .reference import check_network  # noqa: E402


@dataclass(frozen=True)
class Net:
    spec: str
    build: Callable[[], Any]
    extras: str  # layers torchvision computes with functions, not modules
    input: tuple[int, ...]
    other: tuple[int, ...]  # an input size that exercises floor and ceil rounding
    params: int  # torchvision's num_params
    gmacs: float  # torchvision's _ops


NETS = {
    "squeezenet1_0": Net(
        "squeezenet1_0.yaml",
        lambda: tn.SqueezeNet("1_0"),
        r"features\.\d+\.cat|flatten",
        (3, 224, 224),
        (3, 227, 229),
        1_248_424,
        0.819,
    ),
    "squeezenet1_1": Net(
        "squeezenet1_1.yaml",
        lambda: tn.SqueezeNet("1_1"),
        r"features\.\d+\.cat|flatten",
        (3, 224, 224),
        (3, 227, 229),
        1_235_496,
        0.349,
    ),
    "densenet121": Net(
        "densenet121.yaml",
        tn.DenseNet121,
        r"features\.denseblock\d\.cat\d+|pool|flatten",
        (3, 224, 224),
        (3, 250, 199),
        7_978_856,
        2.834,
    ),
    "shufflenet_v2_x1_0": Net(
        "shufflenet_v2_x1_0.yaml",
        tn.ShuffleNetV2,
        r"stage\d\.\d+\.(split\.[01]|cat|shuffle)|mean|flatten",
        (3, 224, 224),
        (3, 193, 201),
        2_278_604,
        0.145,
    ),
    "efficientnet_b0": Net(
        "efficientnet_b0.yaml",
        tn.EfficientNetB0,
        r"features\.\d\.\d\.(add|block\.\d\.scale)|flatten",
        (3, 224, 224),
        (3, 240, 257),
        5_288_548,
        0.386,
    ),
    "googlenet": Net(
        "googlenet.yaml",
        tn.GoogLeNet,
        r"inception\d[a-e]\.cat|flatten",
        (3, 224, 224),
        (3, 193, 257),
        6_624_904,
        1.498,
    ),
    "mobilenet_v3_large": Net(
        "mobilenet_v3_large.yaml",
        tn.MobileNetV3Large,
        r"features\.\d+\.(add|block\.\d\.scale)|flatten",
        (3, 224, 224),
        (3, 193, 257),
        5_483_032,
        0.217,
    ),
    "r3d_18": Net(
        "r3d_18.yaml",
        tn.R3D18,
        r"layer\d\.\d\.add|flatten",
        (3, 16, 112, 112),
        (3, 9, 97, 113),
        33_371_472,
        40.697,
    ),
}


@cache
def measured(key: str) -> dict[str, Any]:
    net = NETS[key]
    return tn.describe(tn.build(net.build), net.input, (net.other,))


@pytest.mark.parametrize("key", sorted(NETS))
def test_torch_build_matches_torchvisions_published_figures(key: str) -> None:
    """The torch builds are torchvision's networks: same parameters, same GMACs."""
    ref = measured(key)
    assert ref["params_total"] == NETS[key].params
    assert round(ref["macs_conv_linear"] / 1e9, 3) == NETS[key].gmacs


@pytest.mark.parametrize("key", sorted(NETS))
def test_spec_matches_torch(key: str) -> None:
    net = NETS[key]
    report = check_network(net.spec, measured(key), net.extras)
    assert report.totals.params == net.params
    assert round(report.totals.macs / 1e9, 3) == net.gmacs
