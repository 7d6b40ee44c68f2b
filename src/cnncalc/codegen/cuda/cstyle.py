"""C-style text helpers shared by the op modules: literals, index arithmetic, window loops.

Everything a size can be is a Python int here, so it is printed as a constant and the
compiler turns divisions by it into multiplies and unrolls the short loops."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cnncalc.codegen.escape import c_identifier
from cnncalc.layers.base import numel


def flt(x: float) -> str:
    """A float literal that round-trips: 1.7159f, -INFINITY."""
    if math.isinf(x):
        return "INFINITY" if x > 0 else "-INFINITY"
    if math.isnan(x):
        raise ValueError("NaN in generated code")
    text = repr(float(x))
    if "e" not in text and "." not in text:
        text += ".0"
    return text + "f"


def dbl(x: float) -> str:
    text = repr(float(x))
    return text if ("." in text or "e" in text or "inf" in text) else text + ".0"


# a C identifier fragment from a layer name: 'layer1.0.conv1' -> 'layer1_0_conv1'
ident = c_identifier


prod = numel  # the one product helper (layers/base.py), under the name the op modules use


def decompose(index: str, names: Sequence[str], sizes: Sequence[int]) -> list[str]:
    """Coordinates of a row-major index: names[0] is the slowest axis.

    Axes of size 1 get 0; the slowest axis needs no modulo (the index is in range)."""
    lines: list[str] = []
    inner = 1
    for k in range(len(names) - 1, -1, -1):
        name, size = names[k], sizes[k]
        if size == 1:
            lines.append(f"const int {name} = 0;")
        else:
            q = index if inner == 1 else f"({index} / {inner})"
            lines.append(
                f"const int {name} = {q};" if k == 0 else f"const int {name} = {q} % {size};"
            )
        inner *= size
    return lines


def flat(coords: Sequence[str], sizes: Sequence[int]) -> str:
    """Row-major index expression of coordinates (skipping axes of size 1)."""
    terms: list[str] = []
    stride = 1
    for c, s in zip(reversed(coords), reversed(sizes), strict=True):
        if s != 1:
            terms.append(c if stride == 1 else f"{c} * {stride}")
        stride *= s
    return " + ".join(reversed(terms)) or "0"


def broadcast_index(index: str, out: Sequence[int], src: Sequence[int]) -> str:
    """Index into `src` of the element that broadcasts to `index` of `out` (right-aligned)."""
    if tuple(src) == tuple(out):
        return index
    lead = len(out) - len(src)
    terms: list[str] = []
    stride = 1  # of src
    inner = 1  # of out
    total = prod(out)
    for a in range(len(out) - 1, -1, -1):
        s = src[a - lead] if a >= lead else 1
        if s != 1:
            coord = index if inner == 1 else f"({index} / {inner})"
            if inner * out[a] != total:
                coord = f"({coord} % {out[a]})"
            terms.append(coord if stride == 1 else f"{coord} * {stride}")
        stride *= s
        inner *= out[a]
    return " + ".join(reversed(terms)) or "0"


PadMode = Literal["zeros", "reflect", "replicate", "circular", "skip"]


@dataclass(frozen=True)
class Axis:
    """One spatial axis of a sliding window, for `window_loops`."""

    out: str  # the output coordinate variable
    pos: str  # the input coordinate variable to define
    tap: str  # the kernel index variable to define
    size: int  # input extent
    kernel: int
    stride: int
    before: int
    dilation: int = 1
    outs: int = 0  # output extent, when known: lets in-range windows skip their bound checks

    @property
    def trivial(self) -> bool:
        """An axis the tensor does not really have (1d and 2d ops as 3d): always position 0.
        (A real axis of size 1 padded after has a second output, which reads padding.)"""
        return self.size == 1 and self.kernel == 1 and self.before == 0 and self.outs <= 1

    @property
    def inside(self) -> bool:
        """Every window position of every output lies inside the input."""
        last = (self.outs - 1) * self.stride + (self.kernel - 1) * self.dilation
        return self.outs > 0 and self.before == 0 and last < self.size


def window_loops(axes: Sequence[Axis], inner: Sequence[str], mode: PadMode = "zeros") -> list[str]:
    """Nested loops over the window taps. Positions outside the input are skipped ('zeros',
    'skip': padding contributes nothing) or mapped back inside (reflect, replicate, circular)."""
    lines: list[str] = []
    depth = 0
    for ax in axes:
        if ax.trivial:
            continue
        ind = "  " * depth
        start = f"{ax.out} * {ax.stride}" if ax.stride != 1 else ax.out
        pos = start + (f" - {ax.before}" if ax.before else "")
        # a loop even for one tap: `continue` must skip to the next tap, not leave the element
        step = f"{ax.tap} * {ax.dilation}" if ax.dilation != 1 else ax.tap
        lines.append(f"{ind}#pragma unroll")
        lines.append(f"{ind}for (int {ax.tap} = 0; {ax.tap} < {ax.kernel}; ++{ax.tap}) {{")
        lines.append(f"{ind}  int {ax.pos} = {pos} + {step};")
        lines.extend(f"{ind}  {s}" for s in _bound(ax, mode))
        depth += 1
    lines.extend("  " * depth + s for s in inner)
    for d in range(depth - 1, -1, -1):
        lines.append("  " * d + "}")
    return lines


def _bound(ax: Axis, mode: PadMode) -> list[str]:
    p, n = ax.pos, ax.size
    if ax.inside:  # (padding after the input can make outputs past it: those read padding)
        return []
    if mode in ("zeros", "skip"):
        return [f"if ({p} < 0 || {p} >= {n}) continue;"]
    if mode == "reflect":
        return [f"if ({p} < 0) {p} = -{p};", f"if ({p} >= {n}) {p} = {2 * n - 2} - {p};"]
    if mode == "replicate":
        return [f"{p} = {p} < 0 ? 0 : ({p} >= {n} ? {n - 1} : {p});"]
    return [f"{p} = ({p} + {n}) % {n};"]


def indent(lines: Sequence[str], n: int = 1) -> list[str]:
    pad = "  " * n
    return [pad + s if s else s for s in lines]


def gather(pos: str, start: str, size: int, mode: PadMode) -> tuple[list[str], str]:
    """Define input coordinate `pos` = start (maybe outside); return the statements and the
    condition under which it reads the input (padding elsewhere reads zero)."""
    lines = [f"int {pos} = {start};"]
    if mode in ("zeros", "skip"):
        return lines, f"(unsigned){pos} < {size}u"
    ax = Axis(pos, pos, "_", size, 1, 1, 1)
    return lines + _bound(ax, mode), "true"


def pad3(values: Sequence[int], fill: int) -> tuple[int, int, int]:
    """Spatial values padded at the front to three axes (D, H, W): 1d and 2d ops become 3d
    ops with unit leading axes, which the compiler removes."""
    v = (fill,) * (3 - len(values)) + tuple(values)
    return v[0], v[1], v[2]


_DECL = re.compile(r"^\s*const int (\w+) = [^,;]*;$")


def prune(lines: Sequence[str], context: str = "") -> list[str]:
    """Drop `const int a = …;` declarations nothing reads (coordinates of axes of size 1), so
    that the compilers have no unused variables to warn about. Repeats until stable: a
    dropped one may have been the only reader of another."""
    out = list(lines)
    while True:
        text = "\n".join([*out, context])
        keep = []
        for line in out:
            m = _DECL.match(line)
            if m and len(re.findall(rf"\b{m.group(1)}\b", text)) == 1:
                continue
            keep.append(line)
        if len(keep) == len(out):
            return keep
        out = keep


def num(d: object) -> int:
    """A size that lowering has already checked is concrete."""
    assert isinstance(d, int), d
    return d
