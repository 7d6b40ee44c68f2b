"""--style stack: the feature-map figure. Its labels are checked against the papers' own
figures and tables, not against cnncalc's shapes."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnncalc.api import analyze, load, parse_input, parse_symbols
from cnncalc.errors import UsageError
from cnncalc.render.diagram import svg, xml_name
from tests.codegen.hostile import LAYERS, layer_name, network

NS = "{http://www.w3.org/2000/svg}"


def stacks(doc: str) -> list[tuple[str, str, list[ET.Element]]]:
    """(data-layer, label, rects) of each item, left to right."""
    root = ET.fromstring(doc)
    out = []
    for g in root.iter(f"{NS}g"):
        if "node" in (g.get("class") or "").split():
            texts = [t.text or "" for t in g.findall(f"{NS}text")]
            out.append((g.get("data-layer") or "", " ".join(texts), g.findall(f"{NS}rect")))
    return out


def labels(spec: str) -> list[str]:
    return [label for _, label, _ in stacks(svg(analyze(load(spec)), style="stack"))]


def test_lenet5_reads_as_the_papers_figure_2() -> None:
    """LeCun et al. 1998, Fig. 2: INPUT 32x32, C1: feature maps 6@28x28, S2: f. maps 6@14x14,
    C3: f. maps 16@10x10, S4: f. maps 16@5x5, C5: layer 120, F6: layer 84, OUTPUT 10."""
    assert labels("specs/lenet5.yaml") == [
        "input: 1@32×32", "C1: 6@28×28", "S2: 6@14×14", "C3: 16@10×10", "S4: 16@5×5",
        "C5: 120", "F6: 84", "OUTPUT: 10",
    ]  # fmt: skip


def test_alexnet_as_torchvision_builds_it() -> None:
    """torchvision.models.alexnet's feature maps (its 2-GPU-free single-tower form): conv 64@55,
    pool 27, conv 192@27, pool 13, convs 384, 256, 256 @13, pool 6; then 4096, 4096, 1000."""
    sizes = [label.split(": ")[1] for label in labels("specs/alexnet.yaml")]
    assert sizes == [
        "3@224×224", "64@55×55", "64@27×27", "192@27×27", "192@13×13", "384@13×13",
        "256@13×13", "256@13×13", "256@6×6", "4096", "4096", "1000",
    ]  # fmt: skip


def test_vgg16_follows_table_1_configuration_d() -> None:
    """Simonyan & Zisserman 2015, Table 1 (D): stages of 2, 2, 3, 3, 3 3×3 convolutions of
    64…512 channels, each stage ending in a 2×2 max pool; then FC-4096, FC-4096, FC-1000. The
    adaptive average pool torchvision adds keeps 512@7×7, so it joins the last pool's item."""
    want, side = ["3@224×224"], 224
    for channels, convs in [(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]:
        want += [f"{channels}@{side}×{side}"] * convs
        side //= 2
        want.append(f"{channels}@{side}×{side}")
    want += ["4096", "4096", "1000"]
    assert [label.split(": ")[1] for label in labels("specs/vgg16.yaml")] == want


def test_sizes_follow_the_shapes() -> None:
    """Planes grow with height and width; a stack shows min(channels, 12) planes; a bar is one."""
    items = stacks(svg(analyze(load("specs/lenet5.yaml")), style="stack"))
    planes = {name: rects for name, _, rects in items}
    assert [len(planes[n]) for n in ("input", "C1", "S2", "C3", "S4", "C5", "F6")] == [
        1, 6, 6, 12, 12, 1, 1,
    ]  # fmt: skip
    side = {n: float(planes[n][0].get("width", "0")) for n in ("input", "C1", "S2", "C3", "S4")}
    assert side["input"] > side["C1"] > side["S2"] > side["C3"] > side["S4"] > 0
    bar = {n: float(planes[n][0].get("height", "0")) for n in ("C5", "F6", "OUTPUT")}
    assert bar["C5"] > bar["F6"] > bar["OUTPUT"] > 0
    # left to right, none overlapping: each item starts after the one before ends
    xs = [
        (
            float(r[0].get("x", "0")),
            max(float(q.get("x", "0")) + float(q.get("width", "0")) for q in r),
        )
        for _, _, r in items
    ]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(xs))


def test_a_residual_network_shows_its_spine() -> None:
    """ResNet-18: the main path through each block's convolutions (each add's first input),
    so every 3×3 convolution outside the shortcuts is an item, and no shortcut is."""
    report = analyze(load("specs/resnet18.yaml"))
    shown = {name for name, _, _ in stacks(svg(report, style="stack"))}
    convs = {s.name for s in report.layers if s.type == "conv2d"}
    assert {c for c in convs if "downsample" not in c} <= shown
    assert not {c for c in convs if "downsample" in c} & shown


def test_symbolic_shapes_are_refused() -> None:
    net = load("specs/lenet5.yaml")
    report = analyze(net, parse_input("1xHxW", net, parse_symbols("H>=32, W>=32")))
    with pytest.raises(UsageError, match="--input"):
        svg(report, style="stack")


@given(st.lists(layer_name, min_size=LAYERS, max_size=LAYERS, unique=True), layer_name)
@settings(max_examples=30)
def test_hostile_names_are_escaped(names: list[str], title: str) -> None:
    doc = svg(network(names, name=title), style="stack")
    shown = [name for name, _, _ in stacks(doc)]  # parses: well-formed
    assert set(shown) <= {"input", *(xml_name(n) for n in names)}
    assert not re.search(r"<script", doc)
