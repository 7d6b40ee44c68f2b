"""A report shows itself in a notebook: a small notebook executed by nbclient in a real
IPython kernel (ipykernel), its outputs read back: the table with torch's totals as HTML,
the diagram as SVG with a box per layer."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

import cnncalc

ROOT = Path(__file__).resolve().parents[2]
TORCH = json.loads((ROOT / "tests" / "data" / "torchvision_full.json").read_text("utf-8"))
SVG = "{http://www.w3.org/2000/svg}"

CELLS = [
    "import cnncalc\nreport = cnncalc.analyze('specs/resnet18.yaml')\nreport",
    "report.draw(depth=1)",
    "cnncalc.analyze('specs/lenet5.yaml').totals.trainable",
]


def run() -> list[list[dict[str, Any]]]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in CELLS]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    return [[dict(o) for o in cell.outputs] for cell in nb.cells]


def test_a_report_shows_itself_in_a_kernel() -> None:
    table, diagram, figure = run()
    # the report: the table with totals as HTML (the front end's choice), the diagram beside it
    [out] = table
    assert out["output_type"] == "execute_result"
    data = out["data"]
    assert {"text/html", "image/svg+xml", "text/plain"} <= set(data)
    report = cnncalc.analyze(ROOT / "specs" / "resnet18.yaml")
    assert data["text/html"] == report._repr_html_()
    assert f"{TORCH['models']['resnet18']['params_total']:,}" in data["text/html"]
    assert data["text/html"].count("<tr data-layer=") == len(report.layers)
    # draw(): an SVG document, one node per top-level layer or block
    [out] = diagram
    svg = ET.fromstring(out["data"]["image/svg+xml"])
    assert svg.tag == f"{SVG}svg"
    nodes = [g.get("data-layer") for g in svg.iter(f"{SVG}g") if "node" in g.get("class", "")]
    top = list(dict.fromkeys(s.node.scope[0] if s.node.scope else s.name for s in report.layers))
    assert nodes == ["input", *top]
    [out] = figure
    assert out["data"]["text/plain"] == "60000"  # LeNet-5's paper (tests/data/lenet5.md)
