"""HTML: the report's table (a notebook's `_repr_html_`) and the one-file page of `cnncalc
report`. Data in, text out: every piece of user text goes through `esc` (markup) or `_json`
(the page's data); the page's script sets text with textContent, never as markup."""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.render.diagram import attr, xml_name
from cnncalc.render.facts import cell, total_cell
from cnncalc.render.values import PARAM_COLUMNS, RF_COLUMNS, Column, shape_text, text

# a column's figure, for sorting (symbolic figures sort as their text)
_FIGURES = {
    Column.PARAMS: lambda s: s.counts.params,
    Column.TRAINABLE: lambda s: s.counts.trainable,
    Column.CONNECTIONS: lambda s: s.counts.connections,
    Column.MACS: lambda s: s.counts.macs,
}


def esc(s: object) -> str:
    return html.escape(str(s), quote=True)


def table(report: Report, *, fields: bool = False, caption: str | None = None) -> str:
    """The params table with its totals row: `<tr data-layer="NAME">` per layer; `fields`
    adds the receptive-field columns (rows of analysis.receptive.with_fields)."""
    columns = (*PARAM_COLUMNS, *(RF_COLUMNS if fields else ()))
    out = ['<table class="cnncalc-table">']
    if caption is not None:
        out.append(f"<caption>{esc(caption)}</caption>")
    heads = "".join(f'<th scope="col">{esc(c.value)}</th>' for c in columns)
    out.append(f'<thead><tr><th scope="col">#</th>{heads}</tr></thead><tbody>')
    for i, s in enumerate(report.layers, 1):
        out.append(_row(i, s, columns))
    out.append("</tbody><tfoot><tr><td></td>")
    out.extend(f"<td>{esc(total_cell(report, c, False))}</td>" for c in columns)
    out.append("</tr></tfoot></table>")
    return "".join(out)


def _row(i: int, s: LayerStats, columns: Sequence[Column]) -> str:
    cells = [f'<td data-v="{i}">{i}</td>']
    for c in columns:
        figure = _FIGURES[c](s) if c in _FIGURES else None
        v = f' data-v="{figure}"' if isinstance(figure, int) else ""
        cells.append(f"<td{v}>{esc(cell(s, c, False))}</td>")
    return f"<tr data-layer={attr(s.name)}>{''.join(cells)}</tr>"


@dataclass
class Page:
    """What the page shows beside the table; gathered by cnncalc.api.html_report."""

    report: Report  # with receptive fields on its rows when `fields`
    fields: bool = False
    fields_note: str = ""  # why there are none
    memory: list[tuple[str, str]] = field(default_factory=list)  # (what, figure or why not)
    lint: list[dict[str, str]] | None = None  # findings; None: not linted (lint_note says why)
    lint_note: str = ""
    diagrams: list[tuple[str, str]] = field(default_factory=list)  # (label, svg), by depth
    view: int = 0  # the diagram shown first
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> type, rows, counts


def _asset(name: str) -> str:
    return resources.files("cnncalc.render").joinpath("assets", name).read_text("utf-8")


def _json(data: object) -> str:
    """JSON safe inside <script type="application/json">: no '<', '>' or '&' to end it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for c in "<>&\u2028\u2029":
        text = text.replace(c, f"\\u{ord(c):04x}")
    return text


def _sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def page(p: Page) -> str:
    """One HTML file: no request leaves it (its Content-Security-Policy forbids any), its
    script is allowed by hash only."""
    rep = p.report
    script, style = _asset("report.js"), _asset("report.css")
    csp = (
        "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
        f"script-src 'sha256-{_sha256(script)}'"
    )
    # keyed as the diagram's data-layer spells names (xml_name), so that nodes, rows and
    # data meet; a layer's type, shape and figures are its row's cells
    data = {
        "layers": {xml_name(s.name): {"explain": s.explain()} for s in rep.layers},
        "blocks": {
            xml_name(k): {**v, "rows": [xml_name(r) for r in v["rows"]]}
            for k, v in p.blocks.items()
        },
    }
    t = rep.totals
    totals = [
        ("Parameters", text(t.params)),
        ("Trainable", text(t.trainable)),
        ("Fixed", text(t.fixed)),
        ("Buffers", text(t.buffers)),
        ("Connections", text(t.connections)),
        ("MACs", text(t.macs)),
        ("FLOPs (2·MACs)", text(2 * t.macs)),
        ("Output elements, all layers", text(rep.activation_elements)),
    ]
    outputs = "; ".join(
        f"{n}: {shape_text(s)}" for n, s in zip(rep.network.outputs, rep.outputs, strict=True)
    )
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(rep.name)} · cnncalc report</title><style>{style}</style></head><body>",
        f"<header><h1>{esc(rep.name)}</h1><p>{esc(rep.network.file)} · input "
        f"{esc(shape_text(rep.input_shape))} · output {esc(outputs)} · "
        f"{len(rep.layers)} layers</p></header>",
        _diagram(p),
        '<section id="totals"><div><h2>Totals</h2>',
        _dl(totals),
        "</div><div><h2>Memory</h2>",
        _dl(p.memory),
        "</div></section>",
        _lint(p),
        '<section id="layers"><h2>Layers</h2>',
        "<p>Click a heading to sort; click a row or a node to see its arithmetic.",
        f" {esc(p.fields_note)}</p>" if p.fields_note else "</p>",
        f'<div id="table-box">{table(rep, fields=p.fields)}</div>',
        "</section>",
        # the selected layer's figures and arithmetic, over the page wherever it was clicked
        '<aside id="detail" hidden><button type="button" id="detail-close" title="close">×'
        '</button><div id="detail-body"></div></aside>',
        f'<script type="application/json" id="cnncalc-data">{_json(data)}</script>',
        f"<script>{script}</script></body></html>",
    ]
    return "".join(out)


def _dl(items: Sequence[tuple[str, str]]) -> str:
    body = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return f'<dl class="figures">{body}</dl>'


def _diagram(p: Page) -> str:
    if not p.diagrams:
        return ""
    options = "".join(
        f'<option value="{i}"{" selected" if i == p.view else ""}>{esc(label)}</option>'
        for i, (label, _) in enumerate(p.diagrams)
    )
    views = "".join(
        f'<div class="view"{"" if i == p.view else " hidden"}>{_own_ids(svg, i)}</div>'
        for i, (_, svg) in enumerate(p.diagrams)
    )
    return (
        '<section id="diagram"><h2>Diagram</h2><div class="controls">'
        f'<label>Blocks <select id="depth">{options}</select></label>'
        '<button type="button" id="zoom-in" title="zoom in">+</button>'
        '<button type="button" id="zoom-out" title="zoom out">−</button>'
        '<button type="button" id="zoom-fit">fit</button>'
        "<span>drag to pan, wheel to zoom, double-click a block to open it</span></div>"
        f'<div id="viewport">{views}</div></section>'
    )


def _own_ids(svg: str, i: int) -> str:
    """The diagram's arrowhead id made unique to its view: several SVGs share one page. Only
    the quoted forms are replaced; user text in an SVG cannot hold a quote (diagram.attr)."""
    for a in ('id="cnncalc-arrow"', '"url(#cnncalc-arrow)"'):
        svg = svg.replace(a, a.replace("cnncalc-arrow", f"cnncalc-arrow-{i}"))
    return svg


def _lint(p: Page) -> str:
    out = ['<section id="lint"><h2>Lint</h2>']
    if p.lint is None:
        out.append(f"<p>{esc(p.lint_note)}</p>")
    elif not p.lint:
        out.append("<p>No findings.</p>")
    else:
        out.append('<table class="cnncalc-lint"><thead><tr><th>Where</th><th>Code</th>')
        out.append("<th>Severity</th><th>Layer</th><th>Message</th></tr></thead><tbody>")
        for f in p.lint:
            hint = f" ({f['hint']})" if f["hint"] else ""
            out.append(
                f"<tr data-layer={attr(f['layer'])}><td>{esc(f['where'])}</td>"
                f"<td>{esc(f['code'])}</td><td>{esc(f['severity'])}</td>"
                f"<td>{esc(f['layer'])}</td><td>{esc(f['message'] + hint)}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append("</section>")
    return "".join(out)
