"""specs/resnet152.yaml (the benchmark's largest zoo network) against two authorities that are
not cnncalc:

1. torchvision's published figures for resnet152 (ResNet152_Weights.IMAGENET1K_V1: "num_params"
   60,192,808 and "_ops" 11.514 GFLOPS, which torchvision counts as multiply-accumulates of the
   convolutions and linear layers), shown on
   https://pytorch.org/vision/stable/models/generated/torchvision.models.resnet152.html;
2. benchmarks/torch_resnet.py, the plain torch.nn ResNets that torchinfo and ONNX are timed
   on, measured by torch layer by layer: so the benchmark compares like with like.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest

from cnncalc.api import Report, report

ROOT = Path(__file__).resolve().parents[2]
TORCHVISION = {  # network -> (num_params, _ops in GMACs), torchvision's docs
    "resnet50": (25_557_032, 4.089),
    "resnet152": (60_192_808, 11.514),
}


@cache
def rep(net: str) -> Report:
    return report(ROOT / "specs" / f"{net}.yaml")


@pytest.mark.parametrize("net", sorted(TORCHVISION))
def test_torchvision_published_figures(net: str) -> None:
    params, gmacs = TORCHVISION[net]
    totals = rep(net).totals
    assert totals.trainable + totals.fixed == params
    assert totals.fixed == 0
    assert isinstance(totals.macs, int) and round(totals.macs / 1e9, 3) == gmacs
    assert rep(net).outputs == ((1000,),)


def test_resnet152_has_torchvision_depth() -> None:
    """152 weighted layers: 151 convolutions outside the projections, and the classifier."""
    layers = rep("resnet152").layers
    convs = [s for s in layers if s.type == "conv2d" and "downsample" not in s.name]
    linears = [s for s in layers if s.type == "linear"]
    assert (len(convs), len(linears)) == (151, 1)


def _bench_nets() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "torch_resnet", ROOT / "benchmarks" / "torch_resnet.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("net", sorted(TORCHVISION))
def test_benchmark_torch_network_is_the_spec(net: str) -> None:
    """Every torch module with parameters or buffers has a cnncalc layer of the same name and
    the same counts, and the other way round."""
    pytest.importorskip("torch")
    model = _bench_nets().resnet(net)
    theirs: dict[str, tuple[int, int]] = {}
    for name, module in model.named_modules():
        params = sum(p.numel() for p in module.parameters(recurse=False))
        buffers = sum(b.numel() for b in module.buffers(recurse=False))
        if params or buffers:
            theirs[name] = (params, buffers)
    ours = {
        s.name: (s.counts.trainable, s.counts.buffers)
        for s in rep(net).layers
        if s.counts.trainable or s.counts.buffers
    }
    assert ours == theirs
    assert sum(p.numel() for p in model.parameters()) == TORCHVISION[net][0]
