"""An SVG document as PNG or PDF bytes, through CairoSVG (the `image` extra, which loads the
system's cairo library). SVG itself needs none of it."""

from __future__ import annotations

from cnncalc.errors import UsageError

FORMATS = ("svg", "png", "pdf")
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
    if fmt == "png":
        out = cairosvg.svg2png(bytestring=data, scale=scale, unsafe=False)
    else:
        out = cairosvg.svg2pdf(bytestring=data, unsafe=False)
    assert isinstance(out, bytes)
    return out
