"""`cnncalc report SPEC -o report.html` and the notebook table, read back by an HTML parser:
one file, nothing it could fetch, every piece of user text escaped (hostile names from
tests/codegen/hostile.py), the figures those of the library's other views."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import cnncalc
from cnncalc.analysis.memory import saved_bytes
from cnncalc.api import html_report
from cnncalc.cli.app import app
from cnncalc.render.diagram import xml_name
from cnncalc.render.html import table
from tests.codegen import hostile

ROOT = Path(__file__).resolve().parents[2]
SPECS = ROOT / "specs"
# what the page may hold: no <img>, <link>, <iframe>, <object>, <a href>, no external anything
TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "p", "section",
    "dl", "dt", "dd", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "script",
    "div", "aside", "label", "select", "option", "button", "span",
    "svg", "defs", "marker", "path", "g", "rect", "text",  # the diagram (render/diagram.py)
}  # fmt: skip


class Parsed(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.rows: list[list[str]] = []  # the layer table's body cells, as text
        self.names: list[str] = []  # its rows' data-layer
        self.where: list[str] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        self.where.append(tag)
        if tag == "table" and "cnncalc-table" in (a.get("class") or ""):
            self.where.append("LAYERS")
        if tag == "tr" and "LAYERS" in self.where and "tbody" in self.where:
            self.rows.append([])
            self.names.append(a["data-layer"] or "")
        if tag == "script":
            self.scripts.append((a, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in self.where:
            i = len(self.where) - 1 - self.where[::-1].index(tag)
            del self.where[i:]

    def handle_data(self, data: str) -> None:
        if self.where and self.where[-1] == "script":
            attrs, body = self.scripts[-1]
            self.scripts[-1] = (attrs, body + data)
        elif self.where and self.where[-1] == "td" and {"LAYERS", "tbody"} <= set(self.where):
            self.rows[-1].append(data)
        self.text.append(data)


def write(spec: Path, out: Path, *args: str) -> str:
    res = CliRunner().invoke(app, ["report", str(spec), "-o", str(out), *args])
    assert res.exit_code == 0, res.stderr
    return out.read_text("utf-8")


def page_data(p: Parsed) -> dict[str, dict[str, object]]:
    [(_, body)] = [s for s in p.scripts if s[0].get("type") == "application/json"]
    found: dict[str, dict[str, object]] = json.loads(body)
    return found


def row_explain(report: cnncalc.Report) -> list[str]:
    return report.layer("C3").explain()


def test_lenet_page(tmp_path: Path) -> None:
    text = write(SPECS / "lenet5.yaml", tmp_path / "r.html")
    p = Parsed(text)
    assert {t for t, _ in p.tags} <= TAGS
    report = cnncalc.analyze(SPECS / "lenet5.yaml")
    assert p.names == [s.name for s in report.layers]
    assert [r[1] for r in p.rows] == [s.name for s in report.layers]
    data = page_data(p)
    assert list(data["layers"]) == p.names
    row = report.to_dict()["layers"][2]
    figures = [f"{row[k]:,}" for k in ("params", "trainable_params", "connections", "macs")]
    c3 = data["layers"]["C3"]
    assert c3 == {"explain": row_explain(report)}
    assert p.rows[2][2:4] == ["conv2d", "16×10×10"]
    assert p.rows[2][4:8] == figures  # the page's figures are its rows' cells
    # the paper's receptive fields (tests/data/lenet5.md: C5 sees the 32×32 input)
    assert p.rows[4][8:10] == ["32×32", "4×4"]
    assert "60,000" in p.text and "340,908" in p.text
    # every LeNet-5 kind declares what autograd saves (docs/memory.md): the page shows it
    assert any("Saved for backward" in t for t in p.text)
    assert f"{saved_bytes(report, 1).saved:,} bytes" in p.text


def test_nothing_can_leave_the_page(tmp_path: Path) -> None:
    text = write(SPECS / "resnet50.yaml", tmp_path / "r.html")
    p = Parsed(text)
    [csp] = [a["content"] for t, a in p.tags if t == "meta" and a.get("http-equiv")]
    assert csp is not None and csp.startswith("default-src 'none';")
    [(_, script)] = [s for s in p.scripts if "type" not in s[0]]
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp  # that script and no other runs
    urls = [v for _, a in p.tags for k, v in a.items() if k in ("src", "href", "action") and v]
    assert not urls
    assert not re.search(r"url\((?!['\"]?#)|@import", text)  # only url(#arrowhead)


def test_resnet152_under_a_megabyte(tmp_path: Path) -> None:
    text = write(SPECS / "resnet152.yaml", tmp_path / "r.html")
    assert len(text.encode("utf-8")) < 1_000_000
    p = Parsed(text)
    assert len(p.names) == len(cnncalc.analyze(SPECS / "resnet152.yaml").layers)


def test_memory_and_lint_are_the_commands(tmp_path: Path) -> None:
    spec = tmp_path / "net.yaml"
    spec.write_text(
        "name: odd\ninput: {channels: 3, height: 32, width: 32}\nlayers:\n"
        "  - {name: c, type: conv2d, out_channels: 8, kernel_size: 3, stride: 2}\n"
        "  - {name: r, type: relu}\n",
        encoding="utf-8",
    )
    p = Parsed(write(spec, tmp_path / "r.html"))
    saved = saved_bytes(cnncalc.analyze(spec), 1).saved
    assert f"{saved:,} bytes" in p.text
    lint = CliRunner().invoke(app, ["lint", str(spec), "--format", "json"])
    findings = json.loads(lint.stdout)["findings"]
    assert [f["code"] for f in findings] == ["W201"]  # the last row and column are never read
    shown = [a for t, a in p.tags if t == "tr" and a.get("data-layer") == "c"]
    assert len(shown) == 2  # its row in the table, its finding
    f = findings[0]
    assert f"{f['file']}:{f['line']}:{f['column']}" in p.text
    assert f"{f['message']} ({f['hint']})" in p.text


def test_table_of_a_notebook_has_the_totals() -> None:
    report = cnncalc.analyze(SPECS / "resnet18.yaml")
    p = Parsed(report._repr_html_())
    assert p.names == [s.name for s in report.layers]
    assert "11,689,512" in p.text  # torch's (tests/data/torchvision_full.json)


@settings(max_examples=25)
@given(st.lists(hostile.layer_name, min_size=hostile.LAYERS, max_size=hostile.LAYERS, unique=True))
def test_hostile_names_stay_text(names: list[str]) -> None:
    report = hostile.network(names, name=names[0], file=names[1] + ".yaml")
    want = [xml_name(s.name) for s in report.layers]  # as the diagram's nodes spell them
    for text in (table(report), html_report(report, lint=False)):
        p = Parsed(text)
        assert {t for t, _ in p.tags} <= TAGS
        assert p.names == want
        assert [s for s in p.scripts if s[0].get("type") != "application/json"] == [
            s for s in p.scripts if "type" not in s[0]
        ]
        assert len(p.scripts) == (0 if text.startswith("<table") else 2)
    data = page_data(Parsed(html_report(report, lint=False)))
    assert list(data["layers"]) == want


def test_a_symbolic_input_says_what_it_cannot_compute(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(
        app, ["report", str(SPECS / "unet.yaml"), "-i", "1xHxW", "--symbols", "H>=32, W>=32",
              "-o", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.stderr
    p = Parsed(out.read_text("utf-8"))
    assert "2×H×W" in p.text[p.text.index("Layers") :]  # the output row, as a formula
    # a size in H or W: memory needs numbers (analysis/memory.py), the page says so and goes on
    assert any(t.startswith("not computed: ") and "state as a number" in t for t in p.text)


def test_bad_input_is_one_line_and_an_exit_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {type: conv2d, out_channels: 2, kernel_size: 9}\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["report", str(bad), "-o", str(tmp_path / "r.html")])
    assert res.exit_code == 1 and res.stderr.startswith(f"{bad}:4:")
    assert not (tmp_path / "r.html").exists()
    res = CliRunner().invoke(app, ["report", str(SPECS / "lenet5.yaml"), "-o", str(tmp_path)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "cannot write" in res.stderr
    res = CliRunner().invoke(app, ["report", str(SPECS / "lenet5.yaml")])  # to stdout
    assert res.exit_code == 0 and res.stdout.startswith("<!DOCTYPE html>")


def test_a_hostile_name_in_a_lint_finding_stays_text(tmp_path: Path) -> None:
    name = "</td><script>alert(1)</script>&amp;\"'"
    spec = tmp_path / "<b>.yaml"
    spec.write_text(
        "name: '<img src=x>'\ninput: {channels: 3, height: 32, width: 32}\nlayers:\n"
        f"  - {{name: {json.dumps(name)}, type: conv2d, out_channels: 8, kernel_size: 3, "
        "stride: 2}\n",
        encoding="utf-8",
    )
    p = Parsed(write(spec, tmp_path / "r.html"))
    assert {t for t, _ in p.tags} <= TAGS
    assert len(p.scripts) == 2
    lint_rows = [a for t, a in p.tags if t == "tr" and a.get("data-layer") == name]
    assert len(lint_rows) == 2  # the layer's row and its W201 finding's
    assert name in p.text and "<img src=x>" in p.text and f"{spec}:4:" in "".join(p.text)
