"""Text for Dims. Both modes use plain '+' and '-' with spaces, terms highest degree first.

unicode: 64·H·W, ⌊H/32⌋, ⌈H/32⌉, H², max(0, H - 3)
ascii:   64*H*W, floor(H/32), ceil(H/32), H**2, max(0, H - 3)   (parse() reads both)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .poly import Atom, Ext, Floor, Mono, Sym, Terms

if TYPE_CHECKING:
    from .expr import Dim

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def render(d: Dim, ascii: bool = False) -> str:
    return str(d) if isinstance(d, int) else terms_text(d.terms, ascii)


def terms_text(t: Terms, ascii: bool) -> str:
    if not t:
        return "0"
    out = []
    for i, (m, c) in enumerate(t):
        body = _mono(m, abs(c), ascii)
        if i == 0:
            out.append("-" + body if c < 0 else body)
        else:
            out.append((" - " if c < 0 else " + ") + body)
    return "".join(out)


def _mono(m: Mono, c: int, ascii: bool) -> str:
    if not m:
        return str(c)
    parts = [] if c == 1 else [str(c)]
    for a, e in m:
        s = _atom(a, ascii)
        if e > 1:
            s += f"**{e}" if ascii else str(e).translate(_SUPERSCRIPT)
        parts.append(s)
    return ("*" if ascii else "·").join(parts)


def _atom(a: Atom, ascii: bool) -> str:
    if isinstance(a, Sym):
        return a.name
    if isinstance(a, Ext):
        return f"{a.op}({terms_text(a.args[0], ascii)}, {terms_text(a.args[1], ascii)})"
    assert isinstance(a, Floor)
    num, c = a.num, a.den
    ceil = num[-1] == ((), c - 1)  # ⌊(x + c − 1)/c⌋ is ⌈x/c⌉
    if ceil:
        num = num[:-1]
    text = terms_text(num, ascii)
    if len(num) > 1 or num[0][1] < 0:
        text = f"({text})"
    if ascii:
        return f"{'ceil' if ceil else 'floor'}({text}/{c})"
    return f"⌈{text}/{c}⌉" if ceil else f"⌊{text}/{c}⌋"
