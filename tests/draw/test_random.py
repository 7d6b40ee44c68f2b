"""Random graphs and block networks (the codegen suite's strategies) draw as valid SVG: one
node per layer (or per folded block, as `params --depth` folds them), one edge per wire, no
two boxes overlapping."""

from __future__ import annotations

from collections import Counter
from typing import Any

import yaml
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from cnncalc.analysis.fold import fold
from cnncalc.api import analyze, loads
from cnncalc.render.diagram import svg
from cnncalc.spec.network import INPUT
from tests.codegen.strategies import block_networks, networks
from tests.draw.test_diagram import NS, edges, nodes, parse


def check(spec: dict[str, Any], depth: int | None, rankdir: str) -> None:
    text = yaml.safe_dump(spec, sort_keys=False)
    note(text)
    report = analyze(loads(text, "random.yaml"))
    root = parse(svg(report, depth=depth, rankdir=rankdir))
    shown = Counter(g.get("data-layer") for g in nodes(root))
    if depth is None:
        assert shown == Counter([INPUT, *(s.name for s in report.layers)])
        wires = Counter((i, s.name) for s in report.layers for i in s.node.inputs)
        assert Counter((g.get("data-from"), g.get("data-to")) for g in edges(root)) == wires
    else:
        rows = fold(report, depth).layers
        scopes = report.network.scopes
        headers = {r.name for r in rows if r.name in scopes and r.name.count(".") + 1 < depth}
        assert shown == Counter([INPUT, *(r.name for r in rows if r.name not in headers)])
    rects = []
    for g in nodes(root):
        r = g.find(f"{NS}rect")
        assert r is not None
        x, y, w, h = (float(r.get(k, "0")) for k in ("x", "y", "width", "height"))
        rects.append((x, y, x + w, y + h))
    for i, a in enumerate(rects):
        for b in rects[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(graph=True), rankdir=st.sampled_from(["TB", "LR"]))
def test_random_graphs(spec: dict[str, Any], rankdir: str) -> None:
    check(spec, None, rankdir)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=block_networks(), depth=st.sampled_from([None, 1, 2, 3]))
def test_random_block_networks(spec: dict[str, Any], depth: int | None) -> None:
    check(spec, depth, "TB")
