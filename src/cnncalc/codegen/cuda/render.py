"""The shared C-style renderer: steps -> CUDA source (kernels and host code) and the C header.

Every step renders one of two ways from the same body text:
- fused: a loop over the block's threads inside the one kernel (one block per sample,
  buffers in shared memory, a barrier between steps);
- layered: its own kernel over batch × elements (buffers in a global arena), or, for a
  matrix product, a tiled kernel with shared-memory tiles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from cnncalc.codegen.escape import comment

from .cstyle import indent, prune
from .host import FUSED_MAX_THREADS, THREADS, gemm_tiles, host
from .ir import Buf, Gemm, Loop, Mode, Step


@dataclass
class Program:
    """Everything the renderer needs about one lowered, fused, planned network."""

    name: str  # the network's name, for comments
    prefix: str  # C symbol prefix
    source: str  # the spec file
    mode: Mode
    steps: list[Step]
    input: Buf
    input_shape: tuple[int, ...]
    outputs: list[Buf]
    output_shapes: list[tuple[int, ...]]
    raw_size: int
    dev_size: int
    arena: int  # floats per sample


_READ = re.compile(r"\bx(\d+)\(")


def _reads(text: str) -> set[str]:
    """The inputs text reads, as the digits of their `xk(`: one scan, however many inputs
    (a search per input made a concat of n inputs cost n scans of its n-line body)."""
    return set(_READ.findall(text))


def _lambdas(step: Step, text: str, base: Sequence[str]) -> list[str]:
    """`auto xk = [&](int j) { return bk[j]; }` for each input the text reads."""
    used = _reads(text)
    return [
        f"auto x{k} = [&](int j) {{ return {base[k]}[j]; }};"
        for k in range(len(step.inputs))
        if str(k) in used
    ]


# ---- device code ---------------------------------------------------------------------------
PRELUDE = """\
#ifndef CNN_EMULATE
#include <cuda_runtime.h>
#define CNN_LAUNCH(kernel, grid, block, stream, ...) \\
  kernel<<<(grid), (block), 0, (cudaStream_t)(stream)>>>(__VA_ARGS__)
#endif
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vector>

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int imax(int a, int b) { return a > b ? a : b; }
"""


def _sample_base(b: Buf, mode: Mode, ptr: dict[int, str]) -> str:
    """Pointer to sample n of buffer b inside a kernel."""
    if mode == "fused" and b.where == "shared":
        return f"(smem + {b.offset})"
    return f"({ptr[id(b)]} + (long long)n * {b.size})"


def render_loop_body(step: Loop, bases: list[str], out_store: str) -> list[str]:
    text = "\n".join([*step.body, *step.epilogue])
    return [
        *_lambdas(step, text, bases),
        "float v;",
        "{",
        *indent(prune(step.body, "\n".join(step.epilogue))),
        "}",
        *step.epilogue,
        f"{out_store} = v;",
    ]


def fused_kernel(p: Program) -> list[str]:
    ptr = {id(p.input): "input"}
    for b in p.outputs:
        ptr[id(b)] = f"(output + (long long){b.offset} * batch)"
    lines = [
        f"// The whole forward pass: one block per sample, {p.arena} floats of shared memory.",
        f"__global__ void __launch_bounds__({FUSED_MAX_THREADS}) {p.prefix}_fused(",
        "    const float* __restrict__ W, const float* __restrict__ input,",
        "    float* __restrict__ output, int batch) {",
        *([f"  __shared__ __align__(16) float smem[{p.arena}];"] if p.arena else []),
        "  for (int n = blockIdx.x; n < batch; n += gridDim.x) {",
    ]
    for s in p.steps:
        assert isinstance(s, Loop), "the fused form has element loops only"
        bases = [f"b{k}" for k in range(len(s.inputs))]
        body = [
            f"// {comment(s.label)}",
            "{",
            *[
                f"  const float* b{k} = {_sample_base(b, 'fused', ptr)};"
                for k, b in enumerate(s.inputs)
            ],
            f"  float* y = {_sample_base(s.out, 'fused', ptr)};",
            f"  for (int i = threadIdx.x; i < {s.extent}; i += blockDim.x) {{",
            *indent(render_loop_body(s, bases, "y[i]"), 2),
            "  }",
            "}",
            "__syncthreads();",
        ]
        lines += indent(body, 2)
    lines += ["  }", "}"]
    return lines


def loop_kernel(s: Loop) -> list[str]:
    params = [f"const float* __restrict__ p{k}" for k in range(len(s.inputs))]
    bases = [f"b{k}" for k in range(len(s.inputs))]
    return [
        f"// {comment(s.label)}",
        f"__global__ void __launch_bounds__({THREADS}) {s.name}(const float* __restrict__ W, "
        + "".join(p + ", " for p in params)
        + "float* __restrict__ y, int batch) {",
        f"  const long long total = (long long)batch * {s.extent};",
        "  for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < total;",
        "       t += (long long)gridDim.x * blockDim.x) {",
        f"    const int n = (int)(t / {s.extent});",
        f"    const int i = (int)(t - (long long)n * {s.extent});",
        *[
            f"    const float* b{k} = p{k} + (long long)n * {b.size};"
            for k, b in enumerate(s.inputs)
        ],
        *indent(render_loop_body(s, bases, "y[t]"), 2),
        "  }",
        "}",
    ]


def gemm_kernel(s: Gemm) -> list[str]:
    bm, bn, bk, tm, tn = gemm_tiles(s)
    tx, ty = bn // tn, bm // tm
    threads = tx * ty
    assert threads % bn == 0 and threads % bm == 0
    params = [f"const float* __restrict__ p{k}" for k in range(len(s.inputs))]
    epi_text = "\n".join(s.epilogue)
    epi_reads = _reads(epi_text)
    extra = [
        f"const float* b{k} = p{k} + (long long)n * {b.size};"
        for k, b in enumerate(s.inputs)
        if k and str(k) in epi_reads
    ]
    load = prune([*s.col_b, "@", *s.load_b])
    cut = load.index("@")
    col_b, load_b = load[:cut], load[cut + 1 :]
    return [
        f"// {comment(s.label)}: [{s.m} x {s.k}] x [{s.k} x batch*{s.p}], tiles {bm}x{bn}x{bk}",
        f"__global__ void __launch_bounds__({threads}) {s.name}(const float* __restrict__ W, "
        + "".join(p + ", " for p in params)
        + "float* __restrict__ y, int batch) {",
        f"  constexpr int BM = {bm}, BN = {bn}, BK = {bk}, TM = {tm}, TN = {tn}, TX = {tx};",
        f"  constexpr int THREADS = {threads};",
        f"  constexpr int M = {s.m}, K = {s.k}, P = {s.p};",
        "  __shared__ __align__(16) float As[BK][BM];",
        "  __shared__ __align__(16) float Bs[BK][BN];",
        "  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;",
        "  const int m0 = blockIdx.y * BM;",
        "  const long long c0 = (long long)blockIdx.x * BN, cols = (long long)batch * P;",
        "  // this thread always loads the same column of B and of A: their index math, once",
        "  const int am = tid % BM, ak = tid / BM, bc = tid % BN, bk = tid / BN;",
        "  const bool a_ok = m0 + am < M;",
        "  const long long col_b = c0 + bc;",
        "  const bool b_ok = col_b < cols;",
        "  const int nb = b_ok ? (int)(col_b / P) : 0;",
        "  const int p = b_ok ? (int)(col_b - (long long)nb * P) : 0;",
        "  (void)p;",
        f"  const float* b0 = p0 + (long long)nb * {s.inputs[0].size};",
        "  auto x0 = [&](int j) { return b0[j]; };",
        *indent(col_b, 1),
        "  float acc[TM][TN];",
        "#pragma unroll",
        "  for (int r = 0; r < TM; ++r)",
        "#pragma unroll",
        "    for (int c = 0; c < TN; ++c) acc[r][c] = 0.0f;",
        "  // the next tile's global loads go to registers while this tile is multiplied",
        "  constexpr int RA = BK * BM / THREADS, RB = BK * BN / THREADS;",
        "  float ra[RA], rb[RB];",
        "  auto fetch = [&](int k0) {",
        "#pragma unroll",
        "    for (int j = 0; j < RA; ++j) {",
        "      const int k = k0 + ak + j * (THREADS / BM);",
        f"      ra[j] = (a_ok && k < K) ? W[{s.a} + k * M + m0 + am] : 0.0f;",
        "    }",
        "#pragma unroll",
        "    for (int j = 0; j < RB; ++j) {",
        "      const int k = k0 + bk + j * (THREADS / BN);",
        "      float b = 0.0f;",
        "      if (b_ok && k < K) {",
        *indent(load_b, 4),
        "      }",
        "      rb[j] = b;",
        "    }",
        "  };",
        "  auto stash = [&]() {",
        "#pragma unroll",
        "    for (int j = 0; j < RA; ++j) As[ak + j * (THREADS / BM)][am] = ra[j];",
        "#pragma unroll",
        "    for (int j = 0; j < RB; ++j) Bs[bk + j * (THREADS / BN)][bc] = rb[j];",
        "  };",
        "  fetch(0);",
        "  stash();",
        "  __syncthreads();",
        "  for (int k0 = 0; k0 < K; k0 += BK) {",
        "    const bool more = k0 + BK < K;",
        "    if (more) fetch(k0 + BK);",
        "#pragma unroll",
        "    for (int kk = 0; kk < BK; ++kk) {",
        "      // each thread owns TM consecutive rows and TN consecutive columns: 16-byte reads",
        "      float a[TM], bv[TN];",
        "#pragma unroll",
        "      for (int r = 0; r < TM; r += 4) {",
        "        const float4 q = *reinterpret_cast<const float4*>(&As[kk][ty * TM + r]);",
        "        a[r] = q.x; a[r + 1] = q.y; a[r + 2] = q.z; a[r + 3] = q.w;",
        "      }",
        "#pragma unroll",
        "      for (int c = 0; c < TN; c += 4) {",
        "        const float4 q = *reinterpret_cast<const float4*>(&Bs[kk][tx * TN + c]);",
        "        bv[c] = q.x; bv[c + 1] = q.y; bv[c + 2] = q.z; bv[c + 3] = q.w;",
        "      }",
        "#pragma unroll",
        "      for (int r = 0; r < TM; ++r)",
        "#pragma unroll",
        "        for (int c = 0; c < TN; ++c) acc[r][c] = fmaf(a[r], bv[c], acc[r][c]);",
        "    }",
        "    __syncthreads();",
        "    if (more) {",
        "      stash();",
        "      __syncthreads();",
        "    }",
        "  }",
        "#pragma unroll",
        "  for (int c = 0; c < TN; ++c) {",
        "    const long long col = c0 + tx * TN + c;",
        "    if (col >= cols) continue;",
        "    const int n = (int)(col / P), p = (int)(col - (long long)n * P);",
        "    (void)p;",
        *indent(extra, 2),
        *indent(_lambdas(s, epi_text, [f"b{k}" for k in range(len(s.inputs))]), 2),
        "#pragma unroll",
        "    for (int r = 0; r < TM; ++r) {",
        "      const int m = m0 + ty * TM + r;",
        "      if (m >= M) continue;",
        f"      const int i = {s.store};",
        f"      float v = acc[r][c] + W[{s.bias} + m];",
        *indent(s.epilogue, 3),
        f"      y[(long long)n * {s.extent} + i] = v;",
        "    }",
        "  }",
        "}",
    ]


def source(p: Program) -> str:
    decls = [d for s in p.steps for d in s.decls]
    kernels: list[str] = []
    if p.mode == "fused":
        kernels = fused_kernel(p)
    else:
        for s in p.steps:
            kernels += gemm_kernel(s) if isinstance(s, Gemm) else loop_kernel(s)  # type: ignore[arg-type]
            kernels.append("")
    form = (
        "one fused kernel (one block per sample, buffers in shared memory)"
        if p.mode == "fused"
        else "one kernel per step, buffers in a global arena"
    )
    head = [
        f"// {comment(p.name)}: CUDA inference module generated by cnncalc from "
        f"{comment(p.source)}. Do not edit.",
        f"// Form: {form}.",
        "// Every size is a compile-time constant; weights: see README.md beside this file.",
        PRELUDE,
        f'#include "{p.prefix}.h"',
        "",
    ]
    tail = host(
        p.prefix,
        p.steps,
        p.mode == "fused",
        p.raw_size,
        p.dev_size,
        p.arena,
        p.input.size,
        sum(b.size for b in p.outputs),
    )
    return "\n".join([*head, *decls, *([""] if decls else []), *kernels, tail])


def header(p: Program) -> str:
    x, up = p.prefix, p.prefix.upper()
    outs = "\n".join(
        f"//   output {k}: {'x'.join(map(str, s))} ({b.size} floats per sample),"
        f" at output + {b.offset} * batch"
        for k, (b, s) in enumerate(zip(p.outputs, p.output_shapes, strict=True))
    )
    name, spec = comment(p.name), comment(p.source)
    return f"""\
// {name}: C interface of the CUDA inference module generated by cnncalc from {spec}.
// Input: batch x {"x".join(map(str, p.input_shape))} floats, contiguous (NC…, as torch).
// Outputs, each batch x its shape, one after another in the output buffer:
{outs}
#ifndef {up}_H
#define {up}_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {{
#endif

#define {up}_INPUT_SIZE {p.input.size}
#define {up}_OUTPUT_SIZE {sum(b.size for b in p.outputs)}
#define {up}_WEIGHTS_COUNT {p.raw_size}

typedef struct {x}_model {x}_model;

// Create from the weights (WEIGHTS_COUNT floats in the order README.md lists: the torch
// module's state_dict order), in host memory. 0 on success; else see {x}_last_error().
int {x}_create({x}_model** model, const float* weights, size_t count);
// The same from a file holding those floats (raw little-endian float32, no header).
int {x}_create_from_file({x}_model** model, const char* path);
// Run batch samples. Pointers may be host or device memory; host memory is copied. Synchronous.
int {x}_forward({x}_model* model, const float* input, float* output, int batch);
// Device pointers only, queued on a cudaStream_t (NULL: the default stream).
int {x}_forward_async({x}_model* model, const float* input, float* output, int batch, void* stream);
void {x}_destroy({x}_model* model);
// The last error of this thread, as text.
const char* {x}_last_error(void);

#ifdef __cplusplus
}}
#endif
#endif
"""
