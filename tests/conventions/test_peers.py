"""Each convention against the real tool (pip-installed in the test extra): the generated
module of zoo specs and of random specs is counted by torch's FlopCounterMode, fvcore,
ptflops (both backends), thop and torchinfo, and every total — and every layer's figure
where the tool reports per module — must equal the convention's, miscounts included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from cnncalc.analysis.engine import Report
from cnncalc.api import analyze, load, loads
from cnncalc.codegen import generate
from cnncalc.codegen.check import load as load_module
from cnncalc.conventions import BY_NAME, tallies
from cnncalc.conventions.base import seen
from cnncalc.errors import CnncalcError
from tests.codegen.kit import small_report
from tests.codegen.strategies import KEYS, flat_layer, input_shape, outcome, spatial_layer

from .peers import TOOLS, fresh, torch

ROOT = Path(__file__).resolve().parents[2]
# zoo specs whose every kind declares its ops, small enough to count in a second or two
ZOO = [
    "lenet5", "alexnet", "vgg/vgg11_bn", "resnet18", "resnet/resnext50_32x4d", "squeezenet1_1",
    "densenet121", "googlenet", "inception/inception_v3", "mobilenet_v2",
    "mobilenet/mobilenet_v3_small", "regnet/regnet_y_400mf", "r3d_18", "video/r2plus1d_18",
    "efficientnet_b0", "shufflenet_v2_x1_0", "mnasnet/mnasnet0_5", "convnext/convnext_tiny",
]  # fmt: skip


def check(report: Report, label: str) -> None:
    views = [seen(s) for s in report.layers]
    assert all(v.ops is not None for v in views), label
    generated = generate(report)
    cls = getattr(load_module(generated), generated.class_name)
    x = torch.randn(1, *report.input_shape)
    paths = {k: v for k, v in generated.modules.items()}
    found = {t.convention.name: t for t in tallies(report)}
    for name, tool in TOOLS.items():
        total, per = tool(fresh(cls), x, paths)
        t = found[name]
        assert t.total == total, f"{label}: {name} counts {total:,}, the convention {t.total:,}"
        figures = dict(zip([s.name for s in report.layers], t.layers, strict=True))
        for layer, got in per.items():
            assert figures[layer] == got, f"{label}: {name} on {layer}: {got} vs {figures[layer]}"


@pytest.mark.parametrize("name", ZOO)
def test_zoo_matches_every_tool(name: str) -> None:
    net = load(ROOT / "specs" / f"{name}.yaml")
    check(small_report(net, analyze(net)), name)


def test_lenet5_at_its_own_input() -> None:
    """docs/conventions.md's figures: LeNet-5 at 32×32, C1 under each convention."""
    report = analyze(load(ROOT / "specs" / "lenet5.yaml"))
    check(report, "lenet5")
    c1 = {t.convention.name: t.layers[0] for t in tallies(report)}
    assert c1 == {
        "cnncalc-macs": 117_600, "cnncalc-flops": 235_200, "torch": 235_200,
        "fvcore": 117_600, "ptflops": 122_304, "ptflops-aten": 122_304, "thop": 117_600,
        "torchinfo": 122_304, "calflops": 239_904,
    }  # fmt: skip


@st.composite
def declared_nets(draw: st.DrawFn) -> dict[str, Any]:
    """Sequential nets of the kinds that declare their ops (others are drawn and dropped)."""
    x = draw(input_shape())
    layers, cur = [], x
    for i in range(draw(st.integers(1, 6))):
        layer = {"name": f"L{i}", **draw(spatial_layer(cur) if len(cur) >= 2 else flat_layer(cur))}
        y = outcome(layer, [cur])
        if y is None or max(y) > 64:
            continue
        axes = dict(zip(KEYS[len(cur)], cur, strict=True))
        spec = {"name": "one", "input": axes, "layers": [layer]}
        try:
            one = analyze(loads(yaml.safe_dump(spec), "one.yaml"))
        except CnncalcError:
            continue
        if seen(one.layers[0]).ops is None:
            continue
        layers.append(layer)
        cur = y
    assume(layers)
    return {"name": "random", "input": dict(zip(KEYS[len(x)], x, strict=True)), "layers": layers}


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(spec=declared_nets())
def test_random_specs_match_every_tool(spec: dict[str, Any]) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    check(analyze(loads(text, "random.yaml")), text)


def test_every_convention_is_tested() -> None:
    assert set(BY_NAME) - {"cnncalc-macs", "cnncalc-flops"} == set(TOOLS)


def test_reasons_fit_80_columns() -> None:
    assert all(len(c.reason) <= 76 for c in BY_NAME.values())  # printed after 4 spaces
