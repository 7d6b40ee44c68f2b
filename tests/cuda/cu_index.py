"""Running one CUDA op's generated C on the CPU to see which input elements each output element
reads: the op's step is lowered as the backend lowers it, its body rendered by the backend's
own renderer (render.py), wrapped in a loop over the elements, and compiled as C (the step
bodies are C) together with many other cases in one file.

An input element counts as read by an output element when the output changes as that input
goes from 0 to 1, with every weight 1 (each op here is linear in its input, or a maximum, so
no two reads cancel). Every read is bounds-checked; an output never written shows as NaN,
which differs from itself, so it fails as reading everything."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cnncalc.codegen.cuda.cstyle import indent, prune
from cnncalc.codegen.cuda.ir import Buf, Gemm, Loop, RawTensor
from cnncalc.codegen.cuda.lower import LOWERINGS, Ctx
from cnncalc.codegen.cuda.render import render_loop_body
from cnncalc.codegen.lowering import Refusal
from cnncalc.errors import LayerError
from cnncalc.layers.base import Layer
from cnncalc.layers.registry import lookup

Shape = tuple[int, ...]
CC = shutil.which("cc") or shutil.which("gcc")
# the input positions one output position reads along one spatial axis: (axis, o) -> positions
AxisReads = Callable[[int, int], Iterable[int]]


@dataclass
class Case:
    what: str  # the layer's fields and input, for a failure's message
    step: Loop | Gemm
    x: Shape
    y: Shape
    weights: int  # floats of the device blob
    expected: list[str]  # per checked output element: the input elements it reads, "j,j,…"

    @property
    def rows(self) -> int:
        """Output elements checked: all, or for a matrix product the first output channel's
        (the harness checks that every other channel reads what the first does)."""
        return self.step.p if isinstance(self.step, Gemm) else self.step.extent


def layer_of(fields: dict[str, object]) -> Layer:
    found = lookup(str(fields["type"]))
    assert found is not None, fields
    cls, canonical = found
    return cls.model_validate({**fields, "type": canonical})


def lowered(layer: Layer, x: Shape, mode: str = "fused") -> tuple[Loop | Gemm, Shape, int] | None:
    """The op's one step for input x, its output shape and its weights' size; None where the
    layer does not accept x (the shape rule refuses it: nothing to lower)."""
    try:
        y = tuple(int(d) for d in layer.infer([x]))
    except LayerError:
        return None
    raw: list[RawTensor] = []  # the layer's own weights file (Ctx.state finds them by key)
    for t in layer.state(x, y):
        if t.dtype == "float32":
            raw.append(RawTensor(t.name, tuple(int(d) for d in t.shape), sum(r.size for r in raw)))
    ctx = Ctx(mode, raw)  # type: ignore[arg-type]
    fn = LOWERINGS.lowering_for(type(layer))
    assert not isinstance(fn, Refusal), layer
    size = 1
    for d in x:
        size *= d
    fn(ctx, layer, [x], y, [Buf("input", size, "input")])
    [step] = ctx.steps
    assert isinstance(step, (Loop, Gemm))
    return step, y, ctx.dev_size


def expected_reads(
    x: Shape, y: Shape, channels: Callable[[int], Iterable[int]], axis: AxisReads, rows: int
) -> list[str]:
    """For each output element (row-major over y, the first `rows`): the flat indices of the
    input elements it reads, as the product of what it reads along each axis, within the
    input, over the input channels `channels(output channel)`."""
    spatial = [[sorted(axis(a, o)) for o in range(y[1 + a])] for a in range(len(y) - 1)]
    strides = [1] * len(x)
    for a in range(len(x) - 2, -1, -1):
        strides[a] = strides[a + 1] * x[a + 1]
    out: list[str] = []
    for idx in itertools.islice(itertools.product(*(range(d) for d in y)), rows):
        co, *os = idx
        flat: list[int] = []
        for c in channels(co):
            for ps in itertools.product(*(spatial[a][o] for a, o in enumerate(os))):
                flat.append(
                    c * strides[0] + sum(p * s for p, s in zip(ps, strides[1:], strict=True))
                )
        out.append(",".join(map(str, sorted(flat))))
    return out


def inside(positions: Iterable[int], n: int) -> set[int]:
    return {p for p in positions if 0 <= p < n}


# ---- the harness: plain C (the step bodies are C; the C compiler is quicker than C++) ----------
HEAD = r"""
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define __constant__ static const
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
extern int cnn_oob_;
/* x0(j): a bounds-checked read of the input (the renderer's lambda, as a macro) */
static inline float cnn_read_(const float* p, long n, long j) {
  if (j < 0 || j >= n) { cnn_oob_ = 1; return NAN; }
  return p[j];
}
typedef void (*Run)(const float*, const float*, float*);
"""

MAIN = r"""
int cnn_oob_ = 0;
int main(void) {
  for (size_t n = 0; n < sizeof CASES / sizeof CASES[0]; ++n) {
    const Case* c = &CASES[n];
    float* X = calloc(c->nx, sizeof(float));
    float* W = malloc((c->nw + 1) * sizeof(float));
    float* Y0 = malloc(c->ny * sizeof(float));
    float* Y1 = malloc(c->ny * sizeof(float));
    char* reads = calloc((size_t)c->ny * c->nx, 1);
    for (int k = 0; k < c->nw; ++k) W[k] = 1.0f;
    for (int i = 0; i < c->ny; ++i) Y0[i] = NAN;
    cnn_oob_ = 0;
    c->run(X, W, Y0);
    for (int j = 0; j < c->nx; ++j) {
      X[j] = 1.0f;
      for (int i = 0; i < c->ny; ++i) Y1[i] = NAN;
      c->run(X, W, Y1);
      X[j] = 0.0f;
      for (int i = 0; i < c->ny; ++i) reads[(size_t)i * c->nx + j] = !(Y1[i] == Y0[i]);
    }
    /* a matrix product: every row (output channel) reads what row 0 does */
    int same = 1;
    for (int i = c->rows; i < c->ny; ++i) {
      const char* row0 = reads + (size_t)(i % c->rows) * c->nx;
      same = same && !memcmp(reads + (size_t)i * c->nx, row0, c->nx);
    }
    printf("#%s%s\n", cnn_oob_ ? " out-of-bounds" : "", same ? "" : " rows-differ");
    for (int i = 0; i < c->rows; ++i) {
      int first = 1;
      for (int j = 0; j < c->nx; ++j)
        if (reads[(size_t)i * c->nx + j]) { printf(first ? "%d" : ",%d", j); first = 0; }
      printf("\n");
    }
    free(X); free(W); free(Y0); free(Y1); free(reads);
  }
  return 0;
}
"""


def _numel(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def _function(n: int, case: Case) -> list[str]:
    s = case.step
    head = [
        f"#define x0(j) cnn_read_(X, {_numel(case.x)}, (j))",
        *s.decls,
        f"void cnn_run{n}(const float* X, const float* W, float* Y) {{",
    ]
    if isinstance(s, Loop):
        # the renderer's own text for the element, its input lambda replaced by the macro
        element = [t for t in render_loop_body(s, ["X"], "Y[i]") if not t.startswith("auto x")]
        body = [f"  for (int i = 0; i < {s.extent}; ++i) {{", *indent(element, 2), "  }"]
    else:  # as render.gemm_kernel: col_b per column p, load_b per (k, p); A (all 1) left out
        load = prune([*s.col_b, "@", *s.load_b])
        cut = load.index("@")
        body = [
            f"  for (int p = 0; p < {s.p}; ++p) {{",
            *indent(load[:cut], 2),
            "    float acc = 0.0f;",
            f"    for (int k = 0; k < {s.k}; ++k) {{",
            "      float b = 0.0f;",
            *indent(load[cut + 1 :], 3),
            "      acc += b;",
            "    }",
            f"    for (int m = 0; m < {s.m}; ++m) {{",
            f"      const int i = {s.store};",
            f"      Y[i] = acc + W[{s.bias} + m];",
            "    }",
            "  }",
        ]
    return [*head, *body, "}", "#undef x0"]


def sources(cases: Sequence[Case], parts: int) -> list[str]:
    """C files: `parts` of the cases' functions (compiled side by side), then the driver."""
    files = []
    for k in range(parts):
        lines = [HEAD]
        for n in range(k, len(cases), parts):
            lines += _function(n, cases[n])
        files.append("\n".join(lines))
    driver = [
        HEAD,
        *(f"void cnn_run{n}(const float*, const float*, float*);" for n in range(len(cases))),
    ]
    driver.append("typedef struct { Run run; int nx, ny, nw, rows; } Case;")
    driver.append("static const Case CASES[] = {")
    for n, case in enumerate(cases):
        sizes = f"{_numel(case.x)}, {case.step.extent}, {case.weights}, {case.rows}"
        driver.append(f"  {{cnn_run{n}, {sizes}}},")
    driver += ["};", MAIN]
    return [*files, "\n".join(driver)]


def run(cases: Sequence[Case], folder: Path) -> list[tuple[str, list[str]]]:
    """Compile (as many files at once as there are cores, up to 4) and run every case; per
    case its flags line and the reads of each checked output element, as `expected` writes
    them."""
    assert CC is not None
    texts = sources(cases, max(1, min(4, os.cpu_count() or 1)))
    names = [f"part{k}.c" for k in range(len(texts))]
    for name, text in zip(names, texts, strict=True):
        (folder / name).write_text(text, encoding="utf-8")
    builds = [
        subprocess.Popen(
            [CC, "-std=c11", "-O0", "-w", "-c", name],
            cwd=folder,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    for b in builds:
        _, err = b.communicate(timeout=600)
        assert b.returncode == 0, err[-4000:]
    objects = [n.replace(".c", ".o") for n in names]
    link = subprocess.run(
        [CC, *objects, "-o", "index", "-lm"], cwd=folder, capture_output=True, text=True
    )
    assert link.returncode == 0, link.stderr[-4000:]
    out = subprocess.run(
        [str(folder / "index")], capture_output=True, text=True, timeout=600, check=True
    ).stdout.split("\n")
    results: list[tuple[str, list[str]]] = []
    at = 0
    for case in cases:
        flags = out[at]
        assert flags.startswith("#"), flags
        results.append((flags[1:].strip(), out[at + 1 : at + 1 + case.rows]))
        at += 1 + case.rows
    return results
