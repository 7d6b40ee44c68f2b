"""The CUDA backend's intermediate form: buffers, kernels, and the weights program.

A network lowers to a list of steps in execution order. Each step computes every element of
one output buffer for one sample; `render.py` wraps the same step either in a loop over a
block's threads (the fused single-kernel form) or in its own kernel over batch × elements.

Step bodies are C text over a small vocabulary, so every layer kind renders both ways:
  i            the output element's index within one sample
  v            the float the body sets (the epilogue then transforms it)
  x0(j), x1(j) element j of the step's inputs, within the same sample (lambdas)
  W[k]         the device weights blob (offsets are compile-time constants)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cnncalc.layers.base import numel

Where = Literal["input", "output", "work", "shared"]


@dataclass(eq=False)
class Buf:
    """Storage for one tensor of one sample (`size` floats), placed by the memory planner."""

    name: str
    size: int
    where: Where = "work"
    offset: int = 0  # in the arena (work, shared) or the output buffer (output), per sample


@dataclass(frozen=True)
class RawTensor:
    """One tensor of the weights file, in the generated torch module's state_dict order."""

    key: str
    shape: tuple[int, ...]
    offset: int  # in floats, from the start of the weights file
    layer: str = ""  # the spec layer it belongs to

    @property
    def size(self) -> int:
        return numel(self.shape)


@dataclass(frozen=True)
class Prep:
    """One instruction of the load-time program that builds the device blob from the file.

    copy(dst, src, n) · zero(dst, n) · bn(scale, shift, C, gamma, beta, mean, var, eps) with -1
    for an absent tensor · fold(w, b, rows, per_row, scale, shift): w[r,:] *= scale[r],
    b[r] = b[r]·scale[r] + shift[r] · transpose(dst, rows, cols) in place."""

    op: Literal["copy", "zero", "bn", "fold", "transpose"]
    args: tuple[int | float, ...]


@dataclass
class Foldable:
    """What lets a BatchNorm fold into the step that produces its input: the step's weights
    laid out [rows][per_row] with one bias per row (rows = output channels)."""

    weight: int
    bias: int
    rows: int
    per_row: int


@dataclass(eq=False)
class Step:
    """Computes `out` (all `extent` elements, for each sample)."""

    name: str  # C identifier
    label: str  # the spec layer(s) it implements, for comments
    out: Buf
    inputs: list[Buf]
    extent: int
    epilogue: list[str] = field(default_factory=list)
    decls: list[str] = field(default_factory=list)  # file-scope declarations (tables)
    prep: list[Prep] = field(default_factory=list)
    post: list[Prep] = field(default_factory=list)  # after any BatchNorm fold (layout changes)
    foldable: Foldable | None = None
    pointwise: bool = False  # body is v = x0(i): the step can join its producer's epilogue
    affine: tuple[int, int, int] | None = None  # (scale, shift, channels): a BatchNorm to fold


@dataclass(eq=False)
class Loop(Step):
    """One thread per output element: `body` sets v from i."""

    body: list[str] = field(default_factory=list)
    merge: tuple[str, list[str]] | None = None  # (op, index per input) for add/mul


@dataclass(eq=False)
class Gemm(Step):
    """An implicit matrix product out(m, p) = Σ_k A[k][m]·B(k, p) + bias[m], tiled in shared
    memory. Columns run over batch × P; `load_b` reads B for (k, p) of sample `n`, `store`
    gives the output element's index within the sample from m and p."""

    m: int = 0
    k: int = 0
    p: int = 0
    a: int = 0  # device offset of A, laid [K][M]
    bias: int = -1
    col_b: list[str] = field(default_factory=list)  # statements on p alone (hoisted out of k)
    load_b: list[str] = field(default_factory=list)  # statements setting float b from k, x0
    store: str = ""  # C expression in m, p


Mode = Literal["fused", "layered"]
