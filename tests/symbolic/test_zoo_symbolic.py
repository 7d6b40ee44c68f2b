"""Every zoo spec with its spatial sizes symbolic: each layer's output shape, counts and
output elements, the totals and the activation elements, evaluated at many sizes, are what
the concrete engine computes at those sizes. And the JSON formulas parse back to themselves."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from cnncalc.analysis.engine import analyze
from cnncalc.analysis.sizes import sizes
from cnncalc.api import load
from cnncalc.errors import SpecError
from cnncalc.render.facts import report_dict
from cnncalc.sym import Symbol, parse
from tests.symbolic.kit import ZOO, agrees, spatial, symbolic, with_sizes

SAMPLES = 10


def smallest_square(path: Path) -> int:
    """The smallest size (all spatial sizes equal) the concrete engine accepts."""
    net = load(path)
    for n in range(1, 600):
        try:
            analyze(net, with_sizes(net, dict.fromkeys(spatial(net), n)))
        except SpecError:
            continue
        return n
    raise AssertionError("no size accepted")


@pytest.mark.parametrize("path", ZOO, ids=lambda p: p.stem)
def test_symbolic_figures_are_the_concrete_ones(path: Path) -> None:
    net = load(path)
    names = list(spatial(net))
    low = smallest_square(path)
    sym = symbolic(net, dict.fromkeys(names, low))
    accepted = sizes(net, span=(low, low + 200)).variables[0].criteria["accepted"].sizes
    rng = random.Random(path.stem)
    envs = [dict.fromkeys(names, low), dict(zip(names, net.input_shape[1:], strict=False))]
    while len(envs) < 3 * SAMPLES:  # sizes every layer accepts, and any sizes (refusals skip)
        pick = rng.choice(accepted) if rng.random() < 0.7 else rng.randint(low, low + 300)
        envs.append({n: pick if i == 0 else rng.choice(accepted) for i, n in enumerate(names)})
    checked = sum(agrees(sym, net, env) for env in envs)
    assert checked >= SAMPLES


@pytest.mark.parametrize("stem", ["resnet50", "unet", "r3d_18"])
def test_json_formulas_parse_back(stem: str) -> None:
    net = load(Path(ZOO[0]).parent / f"{stem}.yaml")
    names = list(spatial(net))
    syms = {n: Symbol(n, 16) for n in names}
    report = analyze(net, with_sizes(net, syms))
    data = report_dict(report, full=True)
    seen = 0
    for layer, s in zip(data["layers"], report.layers, strict=True):
        for got, want in [
            *zip(layer["output_shape"], s.output_shape, strict=True),
            (layer["macs"], s.counts.macs),
        ]:
            if isinstance(got, str):
                assert parse(got, syms) == want
                seen += 1
    assert seen > 20
    assert parse(data["totals"]["macs"], syms) == report.totals.macs


def test_resnet50_shapes_print_as_ceilings() -> None:
    net = load(Path(ZOO[0]).parent / "resnet50.yaml")
    report = symbolic(net, {"H": 1, "W": 1})
    by = {s.name: s for s in report.layers}
    from cnncalc.render.values import shape_text

    assert shape_text(by["layer4.2.relu_2"].output_shape) == "2048×⌈H/32⌉×⌈W/32⌉"
    assert (
        shape_text(by["layer4.2.relu_2"].output_shape, ascii=True) == "2048xceil(H/32)xceil(W/32)"
    )
    assert shape_text(by["layer1.0.conv1"].output_shape) == "64×⌈H/4⌉×⌈W/4⌉"
