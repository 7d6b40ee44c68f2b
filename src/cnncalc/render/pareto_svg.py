"""`cnncalc sweep --plot FILE.svg`: the variants on two figures and their Pareto front, as
one self-contained SVG (data in, text out; no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

WIDTH, HEIGHT, MARGIN = 640, 420, 64


def _ticks(lo: float, hi: float) -> list[float]:
    """About five round values between lo and hi."""
    if hi <= lo:
        return [lo]
    step = 10 ** len(str(int((hi - lo) / 5))) / 10 if hi - lo >= 5 else (hi - lo) / 5
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= 6:
            step *= m
            break
    first = -(-lo // step) * step
    return [first + k * step for k in range(int((hi - first) / step) + 1)]


def _label(v: float) -> str:
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def svg(
    points: Sequence[tuple[float, float]],
    front: Sequence[tuple[float, float]],
    x_name: str,
    y_name: str,
    title: str,
) -> str:
    """Every point as a grey dot, the front as a line through red dots."""
    every = [*points, *front]
    xs, ys = [p[0] for p in every] or [0.0], [p[1] for p in every] or [0.0]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1)
    pw, ph = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN

    def at(x: float, y: float) -> tuple[float, float]:
        return MARGIN + (x - x0) / (x1 - x0) * pw, HEIGHT - MARGIN - (y - y0) / (y1 - y0) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="20" text-anchor="middle" font-size="13">{escape(title)}</text>',
        f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
        f'y2="{HEIGHT - MARGIN}" stroke="black"/>',
        f'<line x1="{MARGIN}" y1="{MARGIN}" x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="black"/>',
    ]
    for t in _ticks(x0, x1):
        px, _ = at(t, y0)
        out.append(
            f'<text x="{px:.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle">{_label(t)}</text>'
        )
    for t in _ticks(y0, y1):
        _, py = at(x0, t)
        out.append(f'<text x="{MARGIN - 6}" y="{py + 4:.1f}" text-anchor="end">{_label(t)}</text>')
    out.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 18}" text-anchor="middle">{escape(x_name)}</text>'
    )
    out.append(
        f'<text x="16" y="{HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 16 {HEIGHT / 2})">{escape(y_name)}</text>'
    )
    out.append('<g class="variants" fill="#999" fill-opacity="0.5">')
    out += [f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2"/>' for cx, cy in (at(*p) for p in points)]
    out.append("</g>")
    line = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in (at(*p) for p in sorted(front)))
    out.append(f'<polyline class="front" points="{line}" fill="none" stroke="#c00"/>')
    out.append('<g class="pareto" fill="#c00">')
    out += [f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3"/>' for cx, cy in (at(*p) for p in front)]
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
