"""An SVG document as PNG or PDF bytes, through CairoSVG (the `image` extra, which loads the
system's cairo library). SVG itself needs none of it."""

from __future__ import annotations

import re

from cnncalc.errors import CnncalcError, UsageError

FORMATS = ("svg", "png", "pdf")
MAX_PIXELS = 32_000  # cairo's image surfaces stop at 32,767 pixels a side
_SIZE = re.compile(r'<svg [^>]*?width="([\d.]+)" height="([\d.]+)"')
_INSTALL = "pip install 'cnncalc[image]' (CairoSVG; on Debian also apt-get install libcairo2)"


def convert(svg: str, fmt: str, scale: float = 2.0) -> bytes:
    """`svg` as `fmt` bytes; PNG at `scale` times the SVG's size (sharp on a HiDPI screen)."""
    if fmt == "svg":
        return svg.encode("utf-8")
    if fmt not in FORMATS:
        raise UsageError(f"cannot write {fmt!r}: choose one of {', '.join(FORMATS)}")
    try:
        import cairosvg
    except ImportError:
        raise UsageError(f"{fmt.upper()} output needs CairoSVG: {_INSTALL}") from None
    except OSError as err:  # CairoSVG is there, the cairo library is not
        raise UsageError(
            f"{fmt.upper()} output needs the cairo library ({err}): {_INSTALL}"
        ) from None
    data = svg.encode("utf-8")
    m = _SIZE.match(svg)
    if m is not None:  # a long graph: fewer pixels a point, rather than no picture
        scale = min(scale, MAX_PIXELS / max(float(m[1]), float(m[2]), 1.0))
    try:
        if fmt == "png":
            out = cairosvg.svg2png(bytestring=data, scale=scale, unsafe=False)
        else:
            out = cairosvg.svg2pdf(bytestring=data, unsafe=False)
    except Exception as err:  # cairo's own errors (a size it refuses): one line, not a bug
        raise CnncalcError(f"cannot make the {fmt.upper()}: {err}") from None
    assert isinstance(out, bytes)
    return out
