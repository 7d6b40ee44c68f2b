"""A report as an SVG diagram: the graph, one box per layer (or per block at `depth`), laid
out in layers by igraph's Sugiyama layout; or, with style="stack", the feature-map figure
(render/stack.py). Report in, SVG text out.

Every box is `<g class="node …" data-layer="NAME">` and every edge `<g class="edge">`;
cnncalc's HTML report finds them by these. Styling is in presentation attributes, never in a
<style> element, whose rules would leak into a page that embeds the SVG inline."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import UsageError
from cnncalc.layers.base import Layer, Shape
from cnncalc.render.values import shape_text
from cnncalc.spec.network import INPUT

STYLES = ("graph", "stack")
RANKDIRS = ("TB", "LR")

FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
BOX_W, BOX_H = 210, 58  # every box is the same size: igraph lays out points, not rectangles
GAP_X, GAP_Y = 26, 44  # between boxes of one rank; between ranks (room for an edge's label)
MARGIN = 20
LABEL_W = 150  # an edge label longer than this is cut (its <title> holds it whole)
CHAR_W = 6.3  # average advance of the 11px font, to cut lines that would overflow a box
# fills: plain layers, merges (several inputs), blocks folded at --depth, the input
FILL = {"layer": "#eef3fb", "merge": "#fdf1dc", "block": "#e6f4ea", "input": "#f2f2f2"}
STROKE = {"layer": "#4a6fa5", "merge": "#c27c0e", "block": "#3d8b52", "input": "#777777"}

# a point's pixel centre from its (cross position, rank)
At = Callable[[float, float], tuple[float, float]]

# Base fields of every layer that are not its arguments (its name, wiring and checks)
_NOT_ARGS = frozenset({"type", "name", "from_", "activation", "expect"})


# ---- escaping ------------------------------------------------------------------------------
# XML 1.0 cannot hold these at all, not even as character references
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# shown as escapes in visible text too: line breaks, bidi overrides and other invisible controls
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")


def _visible(m: re.Match[str]) -> str:
    c = m.group()
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def xml_name(s: str) -> str:
    """`s` as a data-layer value can hold it: characters XML 1.0 cannot carry spelled as
    Python escapes (\\x00), all else unchanged. Pass the result through `attr`."""
    return _ILLEGAL.sub(_visible, s)


def attr(s: str) -> str:
    """An attribute value, quoted with ": markup escaped, and tab and line breaks as character
    references so that they survive attribute normalisation."""
    s = xml_name(s)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;")):
        s = s.replace(a, b)
    return '"' + s.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;") + '"'


def text(s: str) -> str:
    """Visible text: controls and invisible characters as escapes, markup escaped."""
    s = _INVISIBLE.sub(_visible, xml_name(s))
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shape(shape: Shape) -> str:
    """A shape as `params` prints it; a 0-d tensor (a full reduction) as `scalar`."""
    return shape_text(shape) if shape else "scalar"


def _cut(s: str, width: float, keep_end: bool = False) -> str:
    """`s` cut to `width` pixels with an ellipsis; a dotted name keeps its end (the layer
    inside its blocks: `…denselayer1.norm1`), other text its start."""
    n = max(int(width / CHAR_W), 4)
    if len(s) <= n:
        return s
    return "…" + s[len(s) - n + 1 :] if keep_end else s[: n - 1] + "…"


# ---- the graph -----------------------------------------------------------------------------
@dataclass
class Box:
    key: str  # the layer's name, the block's path, or "input"
    title: str
    detail: str  # type and key arguments
    shape: str
    kind: str  # a key of FILL
    inputs: int = 0
    tooltip: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Edge:
    src: int
    dst: int
    label: str


# short spellings of common arguments, so that a box's one line holds the ones that matter
_SHORT = {
    "out_channels": "",
    "out_features": "",
    "kernel_size": "k",
    "stride": "s",
    "padding": "p",
    "dilation": "d",
    "groups": "g",
    "output_size": "",
}


def arguments(layer: Layer) -> str:
    """The arguments the spec gives a layer, short: `64 k7 s2 p3`; then → its activation."""
    parts = []
    order = list(type(layer).model_fields)
    for key in sorted(layer.model_fields_set - _NOT_ARGS, key=order.index):
        v = _value(getattr(layer, key))
        short = _SHORT.get(key)
        parts.append(f"{key}={v}" if short is None else f"{short}{v}")
    if layer.activation is not None:
        parts.append(f"→ {layer.activation.type}")
    return " ".join(parts)


def _value(v: object) -> str:
    if isinstance(v, list | tuple):
        return "×".join(_value(x) for x in v)
    if isinstance(v, Layer):
        return v.type
    return str(v)


def graph(report: Report, depth: int | None = None) -> tuple[list[Box], list[Edge]]:
    """Boxes and edges: the input, then one box per layer, or per block instance at `depth`
    (the layers it encloses fold into it, as `params --depth` folds rows)."""
    if depth is not None and depth < 1:
        raise UsageError(f"--depth {depth}: give 1 or more (1 = top-level layers and blocks)")
    net = report.network
    boxes = [Box(INPUT, INPUT, "input", _shape(report.input_shape), "input")]
    index: dict[str, int] = {INPUT: 0}  # layer name -> its box
    members: dict[int, list[LayerStats]] = {}
    for s in report.layers:
        scope = s.node.scope
        key = ".".join(scope[:depth]) if depth is not None and len(scope) >= depth else s.name
        if key not in index:
            index[key] = len(boxes)
            boxes.append(Box(key, key, "", "", "layer"))
        index[s.name] = index[key]
        members.setdefault(index[key], []).append(s)
    edges: list[Edge] = []
    seen: set[tuple[int, int]] = set()
    shapes = {s.name: s.output_shape for s in report.layers}
    shapes[INPUT] = report.input_shape
    for s in report.layers:
        dst = index[s.name]
        for i in s.node.inputs:
            src = index[i]
            if src == dst or (depth is not None and (src, dst) in seen):
                continue  # inside a folded block, or one more wire between the same two blocks
            seen.add((src, dst))
            edges.append(Edge(src, dst, _shape(shapes[i])))
            boxes[dst].inputs += 1
    for b, rows in members.items():
        box = boxes[b]
        last = rows[-1]
        if len(rows) == 1 and rows[0].name == box.key:
            s = rows[0]
            box.detail = f"{s.type} {arguments(s.node.layer)}".strip()
            box.shape = _shape(s.output_shape)
            box.kind = "merge" if box.inputs > 1 else "layer"
            box.tooltip = [f"{s.name}: {s.type}", *s.explain()]
        else:
            out = shapes.get(net.aliases.get(box.key, ""), last.output_shape)
            block = net.scopes.get(box.key, "block")
            box.detail = f"{block} · {len(rows)} layers"
            box.shape = _shape(out)
            box.kind = "block"
            box.tooltip = [f"{box.key}: {block}", *(f"{r.name}: {r.type}" for r in rows)]
    return boxes, edges


# ---- layout --------------------------------------------------------------------------------
def layout(
    n: int, edges: Sequence[Edge]
) -> tuple[list[tuple[float, float]], list[list[tuple[float, float]]]]:
    """igraph's Sugiyama layout: per box (x in box widths, rank), per edge its bend points."""
    import igraph

    g = igraph.Graph(n=n, edges=[(e.src, e.dst) for e in edges], directed=True)
    lay = g.layout_sugiyama(hgap=1, vgap=1, maxiter=100)
    coords = [[float(x), float(y)] for x, y in lay.coords[:n]]
    routes = [[[float(x), float(y)] for x, y in r] for r in lay.edge_routing]
    _separate(coords, routes)
    left = min([c[0] for c in coords] + [p[0] for r in routes for p in r])
    return (
        [(x - left, y) for x, y in coords],
        [[(x - left, y) for x, y in r] for r in routes],
    )


# least distance between the centres of two neighbours in a rank, in box steps: two boxes, a
# box and an edge passing through the rank, two such edges
_SEP = {(True, True): 1.0, (True, False): 0.62, (False, True): 0.62, (False, False): 0.14}


def _separate(coords: list[list[float]], routes: list[list[list[float]]]) -> None:
    """igraph's coordinates can put two boxes of one rank closer than its hgap (GoogLeNet's
    inception branches overlap by half a box): sweep each rank left to right and push apart
    what is too close, keeping the order igraph chose to avoid crossings."""
    ranks: dict[float, list[tuple[bool, list[float]]]] = {}
    for c in coords:
        ranks.setdefault(c[1], []).append((True, c))
    for r in routes:
        for p in r:
            ranks.setdefault(p[1], []).append((False, p))
    for items in ranks.values():
        items.sort(key=lambda it: it[1][0])
        for (box_a, a), (box_b, b) in pairwise(items):
            b[0] = max(b[0], a[0] + _SEP[box_a, box_b])


def svg(
    report: Report, *, depth: int | None = None, rankdir: str = "TB", style: str = "graph"
) -> str:
    """The diagram of a report as one SVG document (text)."""
    if style not in STYLES:
        raise UsageError(f"--style {style!r}: choose one of {', '.join(STYLES)}")
    if rankdir not in RANKDIRS:
        raise UsageError(f"--rankdir {rankdir!r}: choose one of {', '.join(RANKDIRS)}")
    if style == "stack":
        from cnncalc.render.stack import svg as stack_svg

        return stack_svg(report)
    boxes, edges = graph(report, depth)
    coords, routes = layout(len(boxes), edges)
    lr = rankdir == "LR"
    # a rank's step, and a box's step within its rank, in pixels
    rank_step = (BOX_W + GAP_Y + 40) if lr else (BOX_H + GAP_Y)
    cross_step = (BOX_H + GAP_X / 2) if lr else (BOX_W + GAP_X)

    def at(x: float, r: float) -> tuple[float, float]:
        """Centre of a point at cross position x, rank r, in pixels."""
        if lr:
            return MARGIN + BOX_W / 2 + r * rank_step, MARGIN + BOX_H / 2 + x * cross_step
        return MARGIN + BOX_W / 2 + x * cross_step, MARGIN + BOX_H / 2 + r * rank_step

    centres = [at(x, r) for x, r in coords]
    drawn, (far_x, far_y) = _edges(boxes, edges, routes, centres, at, lr)
    # wide enough for the boxes, and for edges (and their labels) that pass beside them
    width = max(max(c[0] for c in centres) + BOX_W / 2, far_x) + MARGIN
    height = max(max(c[1] for c in centres) + BOX_H / 2, far_y) + MARGIN
    out = [
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="{FONT}" font-size="11" class="cnncalc-diagram">',
        f"<title>{text(report.name)}</title>",
        '<defs><marker id="cnncalc-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555555"/></marker></defs>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    out += drawn
    for box, (cx, cy) in zip(boxes, centres, strict=True):
        out.append(_box(box, cx, cy))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _edges(
    boxes: list[Box],
    edges: list[Edge],
    routes: list[list[tuple[float, float]]],
    centres: list[tuple[float, float]],
    at: At,
    lr: bool,
) -> tuple[list[str], tuple[float, float]]:
    """Each edge leaves its source's bottom (right) side and enters its target's top (left);
    a box's several ends are spread along its side so that merges and forks show apart."""
    outs: dict[int, list[int]] = {}
    ins: dict[int, list[int]] = {}
    for k, e in enumerate(edges):
        outs.setdefault(e.src, []).append(k)
        ins.setdefault(e.dst, []).append(k)

    def cross(k: int, end: int) -> float:  # sort a side's ends by where their edges go
        e, r = edges[k], routes[k]
        p = r[0] if (r and end == 0) else r[-1] if r else None
        c = at(*p) if p is not None else centres[e.dst if end == 0 else e.src]
        return c[1] if lr else c[0]

    def spread(ks: list[int], end: int, box: int) -> dict[int, tuple[float, float]]:
        ks = sorted(ks, key=lambda k: cross(k, end))
        cx, cy = centres[box]
        side = BOX_H if lr else BOX_W
        pts = {}
        for j, k in enumerate(ks):
            off = (j + 1) * side / (len(ks) + 1) - side / 2 if len(ks) > 1 else 0.0
            if lr:
                pts[k] = (cx + BOX_W / 2 if end == 0 else cx - BOX_W / 2, cy + off * 0.8)
            else:
                pts[k] = (cx + off * 0.8, cy + BOX_H / 2 if end == 0 else cy - BOX_H / 2)
        return pts

    starts: dict[int, tuple[float, float]] = {}
    ends: dict[int, tuple[float, float]] = {}
    for b, ks in outs.items():
        starts.update(spread(ks, 0, b))
    for b, ks in ins.items():
        ends.update(spread(ks, 1, b))
    out = []
    far_x = far_y = 0.0  # the furthest right and down anything reaches
    for k, e in enumerate(edges):
        pts = [starts[k], *(at(*p) for p in routes[k]), ends[k]]
        d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        # the label sits on the last leg, in the gap before the target, on a white backing
        (x0, y0), (x1, y1) = pts[-2], pts[-1]
        t = 0.45 if lr else 0.4
        lx, ly = x1 + (x0 - x1) * t, y1 + (y0 - y1) * t
        label = _cut(e.label, LABEL_W)
        w = len(label) * 5.6 + 6
        if lr:
            lx, ly = lx - w / 2, ly - 15  # above the line
        else:
            lx, ly = lx + 4, ly - 5
        far_x = max(far_x, lx + w, *(x for x, _ in pts))
        far_y = max(far_y, ly + 12, *(y for _, y in pts))
        title = f"{boxes[e.src].key} → {boxes[e.dst].key}: {e.label}"
        out.append(
            f'<g class="edge" data-from={attr(boxes[e.src].key)} data-to={attr(boxes[e.dst].key)}>'
            f"<title>{text(title)}</title>"
            f'<path d="{d}" fill="none" stroke="#555555" stroke-width="1.2" '
            'marker-end="url(#cnncalc-arrow)"/>'
            f'<rect x="{lx:.1f}" y="{ly:.1f}" width="{w:.1f}" height="12" rx="2" fill="#ffffff" '
            'fill-opacity="0.85"/>'
            f'<text x="{lx + 3:.1f}" y="{ly + 9.5:.1f}" font-size="9.5" fill="#333333">'
            f"{text(label)}</text></g>"
        )
    return out, (far_x, far_y)


def _box(box: Box, cx: float, cy: float) -> str:
    x, y = cx - BOX_W / 2, cy - BOX_H / 2
    kind = box.kind
    inner = BOX_W - 12
    tip = "\n".join([box.key, *box.tooltip[1:]] if box.tooltip else [box.key])
    return (
        f'<g class="node {kind}" data-layer={attr(box.key)}>'
        f"<title>{text(tip)}</title>"
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{FILL[kind]}" stroke="{STROKE[kind]}" stroke-width="1.3"/>'
        f'<text x="{cx:.1f}" y="{y + 16:.1f}" text-anchor="middle" font-weight="bold" '
        f'font-size="11.5">{text(_cut(box.title, inner * 0.9, keep_end=True))}</text>'
        f'<text x="{cx:.1f}" y="{y + 32:.1f}" text-anchor="middle" fill="#333333">'
        f"{text(_cut(box.detail, inner))}</text>"
        f'<text x="{cx:.1f}" y="{y + 48:.1f}" text-anchor="middle" fill="#1f3b66" '
        f'font-family="DejaVu Sans Mono, Menlo, Consolas, monospace">'
        f"{text(_cut(box.shape, inner))}</text></g>"
    )
