"""The graph diagram (render/diagram.py): valid SVG, one node per layer (or folded block), one
edge per wire, names escaped. The authorities: the spec's own `from:` wiring as the loader
resolved it, and `params --depth`'s folding (analysis/fold.py) for the blocks."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.analysis.fold import fold
from cnncalc.api import analyze, load, loads, parse_input, parse_symbols
from cnncalc.errors import UsageError
from cnncalc.render.diagram import svg, xml_name
from cnncalc.spec.network import INPUT
from tests.codegen.hostile import LAYERS, layer_name, network

NS = "{http://www.w3.org/2000/svg}"


def parse(doc: str) -> ET.Element:
    root = ET.fromstring(doc)
    assert root.tag == f"{NS}svg"
    assert float(root.get("width", "0")) > 0 and float(root.get("height", "0")) > 0
    return root


def nodes(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if "node" in (g.get("class") or "").split()]


def edges(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == "edge"]


@pytest.mark.parametrize(
    "spec", ["specs/lenet5.yaml", "specs/resnet18.yaml", "specs/googlenet.yaml"]
)
@pytest.mark.parametrize("rankdir", ["TB", "LR"])
def test_one_node_per_layer_one_edge_per_wire(spec: str, rankdir: str) -> None:
    report = analyze(load(spec))
    root = parse(svg(report, rankdir=rankdir))
    names = Counter(g.get("data-layer") for g in nodes(root))
    assert names == Counter([INPUT, *(s.name for s in report.layers)])
    wires = Counter((i, s.name) for s in report.layers for i in s.node.inputs)
    assert Counter((g.get("data-from"), g.get("data-to")) for g in edges(root)) == wires
    for g in edges(root):  # each edge is drawn (a path) and labelled with the tensor's shape
        assert g.find(f"{NS}path") is not None
        assert (g.findtext(f"{NS}text") or "").strip()


def test_boxes_do_not_overlap() -> None:
    """igraph can place two boxes of a rank closer than asked (GoogLeNet's branches)."""
    root = parse(svg(analyze(load("specs/googlenet.yaml")), depth=2))
    rects = []
    for g in nodes(root):
        r = g.find(f"{NS}rect")
        assert r is not None
        x, y, w, h = (float(r.get(k, "0")) for k in ("x", "y", "width", "height"))
        rects.append((x, y, x + w, y + h))
        assert x >= 0 and y >= 0
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_depth_folds_as_params_does(depth: int) -> None:
    report = analyze(load("specs/resnet50.yaml"))
    root = parse(svg(report, depth=depth))
    shown = [g.get("data-layer") for g in nodes(root)]
    assert len(shown) == len(set(shown))
    # params --depth lists each block at level < depth as a subtotal header above its rows; a
    # diagram shows the rows only
    rows = fold(report, depth).layers
    headers = {
        r.name for r in rows if r.name.count(".") + 1 < depth and r.name in report.network.scopes
    }
    assert set(shown) == {INPUT} | {r.name for r in rows} - headers
    if depth == 2:  # stem, 16 bottlenecks, head: a chain (each residual is inside its block)
        assert len(shown) == 1 + 4 + 16 + 3
        assert len(edges(root)) == len(shown) - 1
        kinds = {g.get("data-layer"): g.get("class") for g in nodes(root)}
        assert kinds["layer3.5"] == "node block"


def test_merges_and_forks_show() -> None:
    report = network()  # L3 = concat(L1, L2), L5 = add(L4, L3); L0 feeds L1 and L2
    root = parse(svg(report))
    kinds = {g.get("data-layer"): (g.get("class") or "").split() for g in nodes(root)}
    assert "merge" in kinds["L3"] and "merge" in kinds["L5"] and "merge" not in kinds["L1"]
    sources = Counter(g.get("data-from") for g in edges(root))
    assert sources["L0"] == 2 and sources["L3"] == 2


def test_symbolic_shapes_print_as_formulas() -> None:
    net = load("specs/lenet5.yaml")
    doc = svg(analyze(net, parse_input("1xHxW", net, parse_symbols("H>=32, W>=32"))))
    assert "6×(H - 4)×(W - 4)" in doc  # C1: a 5×5 valid convolution
    assert "⌊" in doc  # S2 halves: a floor
    parse(doc)


@given(st.lists(layer_name, min_size=LAYERS, max_size=LAYERS, unique=True), layer_name)
@settings(max_examples=40)
def test_hostile_names_are_escaped(names: list[str], title: str) -> None:
    report = network(names, name=title)
    doc = svg(report, depth=1)
    root = parse(doc)  # well-formed whatever the names hold
    shown = Counter(g.get("data-layer") for g in nodes(root))
    assert shown == Counter([INPUT, *(xml_name(n) for n in names)])
    assert "<script" not in doc


def test_bad_arguments_are_usage_errors() -> None:
    report = analyze(
        loads(
            "name: n\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n  - {type: relu}\n",
            "n.yaml",
        )
    )
    for kwargs in ({"depth": 0}, {"rankdir": "BT"}, {"style": "fancy"}):
        with pytest.raises(UsageError):
            svg(report, **kwargs)  # type: ignore[arg-type]


def test_vectors_and_scalars() -> None:
    """A features-only network and a full reduction draw in both styles; a 0-d output reads
    `scalar`."""
    spec = "name: s\ninput: {features: 16}\nlayers:\n  - {type: linear, out_features: 4}\n"
    report = analyze(loads(spec + "  - {name: total, type: sum, dim: 1}\n", "s.yaml"))
    assert report.layers[-1].output_shape == ()
    for style in ("graph", "stack"):
        root = parse(svg(report, style=style))
        [total] = [g for g in nodes(root) if g.get("data-layer") == "total"]
        assert "scalar" in "".join(total.itertext())
