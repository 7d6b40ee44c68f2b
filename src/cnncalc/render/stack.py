"""The classic CNN figure (LeCun et al. 1998, fig. 2; NN-SVG's idea): each feature map a stack
of planes in perspective, sized by its height, width and channels, labelled `C1: 6@28×28`;
feature vectors as bars. Report in, SVG text out.

The figure follows the network's spine: from its first output back through each layer's first
input, so a residual network shows its main path. Along it, a layer that keeps the shape and
holds no more than a per-channel scale and shift (activations, norms, dropout) joins the item
before it, and a flatten, which only relabels the elements, is not drawn."""

from __future__ import annotations

import math
from dataclasses import dataclass

from cnncalc.analysis.engine import LayerStats, Report
from cnncalc.errors import UsageError
from cnncalc.layers.base import Shape, numel
from cnncalc.render.diagram import FONT, arguments, attr, text
from cnncalc.render.values import shape_text
from cnncalc.spec.network import INPUT

MAX_SIDE, MIN_SIDE = 150.0, 8.0  # a plane's side for the largest map and the smallest
MAX_PLANES = 12  # planes drawn for a stack; more channels spread them further, not more
BAR_W = 12.0
GAP = 34.0  # between two items, before room for the operation's label
TOP = 44.0  # room above the tallest item for its two-line label


@dataclass
class Item:
    key: str  # the layer whose output it is (data-layer)
    shape: tuple[int, ...]
    op: str  # what made it: type and key arguments of the spine's layers since the last item
    x: float = 0.0
    w: float = 0.0  # its drawing's extent
    h: float = 0.0
    face: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # front plane: x, y, w, h


def spine(report: Report) -> list[LayerStats]:
    """The layers from the input to the first output, each reached by its first input."""
    by_name = {s.name: s for s in report.layers}
    name = report.network.outputs[0] if report.network.outputs else report.layers[-1].name
    path: list[LayerStats] = []
    while name != INPUT and name in by_name:
        s = by_name[name]
        path.append(s)
        name = s.node.inputs[0] if s.node.inputs else INPUT
    return path[::-1]


def items(report: Report) -> list[Item]:
    def concrete(shape: Shape, who: str) -> tuple[int, ...]:
        if not all(isinstance(d, int) for d in shape):
            raise UsageError(
                f"--style stack: {who}'s output is {shape_text(shape)}; the figure is sized by "
                "numbers: give --input (e.g. 3x224x224)"
            )
        return tuple(d for d in shape if isinstance(d, int))

    out = [Item(INPUT, concrete(report.input_shape, "the input"), "")]
    for s in spine(report):
        y = concrete(s.output_shape, s.name)
        prev = out[-1]
        op = f"{s.type} {arguments(s.node.layer)}".strip()
        trainable = s.counts.trainable
        weighty = isinstance(trainable, int) and trainable > 2 * (y[0] if y else 1)
        if y == prev.shape and not weighty:
            continue  # an activation, a norm, a dropout: part of the item before
        if len(y) == 1 and len(prev.shape) > 1 and numel(y) == numel(prev.shape):
            continue  # a flatten: the same elements in a row
        out.append(Item(s.name, y, op))
    return out


def _scale(v: int, vmax: int) -> float:
    return MIN_SIDE + (MAX_SIDE - MIN_SIDE) * (v / vmax) ** 0.6 if vmax > 0 else MIN_SIDE


def _planes(c: int, cmax: int) -> tuple[int, float]:
    """How many planes to draw for c channels and the offset between two of them."""
    n = max(1, min(c, MAX_PLANES))
    spread = 6.0 + 54.0 * math.log2(max(c, 1) + 1) / math.log2(max(cmax, 2) + 1)
    return n, (spread / (n - 1) if n > 1 else 0.0)


def _is_bar(shape: tuple[int, ...]) -> bool:
    return len(shape) == 1 or all(d == 1 for d in shape[1:])


def _length(shape: tuple[int, ...]) -> int:
    """A bar's length: its features (1 for a scalar)."""
    return shape[0] if shape else 1


def _hw(shape: tuple[int, ...]) -> tuple[int, int]:
    """A map's height and width: its last two sizes (one for a sequence's length)."""
    spatial = shape[1:]
    return (spatial[-2], spatial[-1]) if len(spatial) >= 2 else (spatial[0], 1)


def _label(it: Item) -> tuple[str, str]:
    """Two lines: the name, and its size as the 1998 paper writes it (6@28×28, or 120)."""
    name = "input" if it.key == INPUT else it.key
    if _is_bar(it.shape):
        return f"{name}:", f"{it.shape[0]}" if it.shape else "scalar"
    return f"{name}:", f"{it.shape[0]}@" + "×".join(str(d) for d in it.shape[1:])


def _op_lines(op: str) -> tuple[str, str]:
    kind, _, args = op.partition(" ")
    return kind, args


def _wide(lines: tuple[str, str], em: float) -> float:
    return max(len(t) for t in lines) * em


def svg(report: Report) -> str:
    its = items(report)
    maps = [it for it in its if not _is_bar(it.shape)]
    side_max = max((max(_hw(it.shape)) for it in maps), default=1)
    c_max = max((it.shape[0] for it in maps), default=1)
    f_max = max((_length(it.shape) for it in its if _is_bar(it.shape)), default=1)
    body: list[str] = []
    x = 20.0
    # sizes first: items and their labels side by side, none overlapping
    for i, it in enumerate(its):
        if _is_bar(it.shape):
            it.w = BAR_W
            it.h = 24 + 150 * math.log(_length(it.shape) + 1) / math.log(f_max + 1)
        else:
            h, w = _hw(it.shape)
            n, off = _planes(it.shape[0], c_max)
            it.w = _scale(w, side_max) + off * (n - 1)
            it.h = _scale(h, side_max) + off * (n - 1)
        room = max(it.w, _wide(_label(it), 6.4))
        op_room = _wide(_op_lines(its[i + 1].op), 5.6) + 12 if i + 1 < len(its) else 0
        it.x = x + (room - it.w) / 2
        x += room + max(GAP, op_room - (room - it.w) / 2)
    tallest = max(it.h for it in its)
    mid = TOP + 14 + tallest / 2
    width = x + 10
    height = TOP + 14 + tallest + 50
    for i, it in enumerate(its):
        top = mid - it.h / 2
        body.append(f'<g class="node stack" data-layer={attr(it.key)}>')
        body.append(f"<title>{text(it.key + ': ' + shape_text(it.shape))}</title>")
        if _is_bar(it.shape):
            it.face = (it.x, top, it.w, it.h)
            body.append(
                f'<rect x="{it.x:.1f}" y="{top:.1f}" width="{it.w:.1f}" height="{it.h:.1f}" '
                'fill="#dde6f3" stroke="#222222" stroke-width="1"/>'
            )
        else:
            body += _stack(it, top, side_max, c_max)
        name, size = _label(it)
        cx = it.x + it.w / 2
        body.append(
            f'<text x="{cx:.1f}" y="{top - 22:.1f}" text-anchor="middle" font-size="11">'
            f'{text(name)}</text><text x="{cx:.1f}" y="{top - 8:.1f}" text-anchor="middle" '
            f'font-size="11" font-weight="bold">{text(size)}</text></g>'
        )
        if i > 0:  # the operation that made this item, under the gap before it
            prev = its[i - 1]
            gx = (prev.x + prev.w + it.x) / 2
            body.append(_link(prev, it))
            kind, args = _op_lines(it.op)
            y = TOP + 14 + tallest + 22
            body.append(
                f'<text class="op" x="{gx:.1f}" y="{y:.1f}" text-anchor="middle" '
                f'font-size="9.5" fill="#444444">{text(kind)}</text>'
                f'<text class="op" x="{gx:.1f}" y="{y + 12:.1f}" text-anchor="middle" '
                f'font-size="9.5" fill="#444444">{text(args)}</text>'
            )
    head = (
        '<svg xmlns="http://www.w3.org/2000/svg" version="1.1" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'font-family="{FONT}" class="cnncalc-diagram cnncalc-stack">'
    )
    return (
        "\n".join(
            [
                head,
                f"<title>{text(report.name)}</title>",
                f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
                *body,
                "</svg>",
            ]
        )
        + "\n"
    )


def _stack(it: Item, top: float, side_max: int, c_max: int) -> list[str]:
    """The planes, back to front: the back plane up and right of the front one."""
    h, w = _hw(it.shape)
    n, off = _planes(it.shape[0], c_max)
    pw, ph = _scale(w, side_max), _scale(h, side_max)
    out = []
    it.face = (it.x, top + (n - 1) * off, pw, ph)
    for k in range(n - 1, -1, -1):
        px = it.x + k * off
        py = top + (n - 1 - k) * off
        shade = "#f4f6fa" if k else "#ffffff"
        out.append(
            f'<rect x="{px:.1f}" y="{py:.1f}" width="{pw:.1f}" height="{ph:.1f}" '
            f'fill="{shade}" stroke="#222222" stroke-width="0.9"/>'
        )
    return out


def _link(a: Item, b: Item) -> str:
    """Two lines from a patch of one item's front plane to a point on the next's: the look of
    the original figure's projections of a window to the unit it feeds."""
    fx, fy, fw, fh = a.face
    gx, gy, gw, gh = b.face
    s = min(5.0, fw / 4, fh / 4)
    ax, ay = fx + fw * 0.62, fy + fh * 0.45
    bx, by = gx + gw * 0.4, gy + gh * 0.45
    return (
        f'<g class="link"><rect x="{ax - s:.1f}" y="{ay - s:.1f}" width="{2 * s:.1f}" '
        f'height="{2 * s:.1f}" fill="none" stroke="#b03030" stroke-width="0.8"/>'
        f'<path d="M{ax + s:.1f},{ay - s:.1f} L{bx:.1f},{by:.1f} M{ax + s:.1f},{ay + s:.1f} '
        f'L{bx:.1f},{by:.1f}" stroke="#b03030" stroke-width="0.8" fill="none"/></g>'
    )
