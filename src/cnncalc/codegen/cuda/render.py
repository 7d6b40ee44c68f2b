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

from .cstyle import dbl, indent, prune
from .ir import Buf, Gemm, Loop, Mode, Prep, Step

THREADS = 256  # per block, both forms
# The fused kernel runs one block per sample: a small batch leaves most of the GPU idle, so
# each sample then gets more threads (every step loops over blockDim.x, any size works).
FUSED_MAX_THREADS = 1024


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


def _uses(text: str, k: int) -> bool:
    return re.search(rf"\bx{k}\(", text) is not None


def _lambdas(step: Step, text: str, base: Sequence[str]) -> list[str]:
    """`auto xk = [&](int j) { return bk[j]; }` for each input the text reads."""
    return [
        f"auto x{k} = [&](int j) {{ return {base[k]}[j]; }};"
        for k in range(len(step.inputs))
        if _uses(text, k)
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
        "    const float* __restrict__ W, const float* __restrict__ input, float* __restrict__ output, int batch) {",
        f"  __shared__ __align__(16) float smem[{max(p.arena, 4)}];",
        "  for (int n = blockIdx.x; n < batch; n += gridDim.x) {",
    ]
    for s in p.steps:
        assert isinstance(s, Loop), "the fused form has element loops only"
        bases = [f"b{k}" for k in range(len(s.inputs))]
        body = [
            f"// {s.label}",
            "{",
            *[f"  const float* b{k} = {_sample_base(b, 'fused', ptr)};" for k, b in enumerate(s.inputs)],
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
        f"// {s.label}",
        f"__global__ void __launch_bounds__({THREADS}) {s.name}(const float* __restrict__ W, "
        + "".join(p + ", " for p in params)
        + "float* __restrict__ y, int batch) {",
        f"  const long long total = (long long)batch * {s.extent};",
        "  for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < total;",
        "       t += (long long)gridDim.x * blockDim.x) {",
        f"    const int n = (int)(t / {s.extent});",
        f"    const int i = (int)(t - (long long)n * {s.extent});",
        *[f"    const float* b{k} = p{k} + (long long)n * {b.size};" for k, b in enumerate(s.inputs)],
        *indent(render_loop_body(s, bases, "y[t]"), 2),
        "  }",
        "}",
    ]


def gemm_tiles(s: Gemm) -> tuple[int, int, int, int, int]:
    """(BM, BN, BK, TM, TN): 256 threads, each a TM×TN block of outputs."""
    if s.m >= 128:
        return 128, 64, 16, 8, 4
    return 64, 64, 16, 4, 4


def gemm_kernel(s: Gemm) -> list[str]:
    bm, bn, bk, tm, tn = gemm_tiles(s)
    tx, ty = bn // tn, bm // tm
    params = [f"const float* __restrict__ p{k}" for k in range(len(s.inputs))]
    epi_text = "\n".join(s.epilogue)
    extra = [
        f"const float* b{k} = p{k} + (long long)n * {b.size};"
        for k, b in enumerate(s.inputs)
        if k and _uses(epi_text, k)
    ]
    return [
        f"// {s.label}: [{s.m} x {s.k}] x [{s.k} x batch*{s.p}], tiles {bm}x{bn}x{bk}",
        f"__global__ void __launch_bounds__({tx * ty}) {s.name}(const float* __restrict__ W, "
        + "".join(p + ", " for p in params)
        + "float* __restrict__ y, int batch) {",
        f"  constexpr int BM = {bm}, BN = {bn}, BK = {bk}, TM = {tm}, TN = {tn}, TX = {tx}, TY = {ty};",
        f"  constexpr int M = {s.m}, K = {s.k}, P = {s.p};",
        "  __shared__ __align__(16) float As[BK][BM];",
        "  __shared__ __align__(16) float Bs[BK][BN];",
        "  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;",
        "  const int m0 = blockIdx.y * BM;",
        "  const long long c0 = (long long)blockIdx.x * BN, cols = (long long)batch * P;",
        "  float acc[TM][TN];",
        "#pragma unroll",
        "  for (int r = 0; r < TM; ++r)",
        "#pragma unroll",
        "    for (int c = 0; c < TN; ++c) acc[r][c] = 0.0f;",
        "  for (int k0 = 0; k0 < K; k0 += BK) {",
        "    for (int e = tid; e < BK * BM; e += TX * TY) {",
        "      const int kk = e / BM, mm = e % BM, k = k0 + kk, m = m0 + mm;",
        f"      As[kk][mm] = (k < K && m < M) ? W[{s.a} + k * M + m] : 0.0f;",
        "    }",
        "    for (int e = tid; e < BK * BN; e += TX * TY) {",
        "      const int kk = e / BN, cc = e % BN, k = k0 + kk;",
        "      const long long col = c0 + cc;",
        "      float b = 0.0f;",
        "      if (k < K && col < cols) {",
        "        const int n = (int)(col / P), p = (int)(col - (long long)n * P);",
        "        (void)p;",
        f"        const float* b0 = p0 + (long long)n * {s.inputs[0].size};",
        "        auto x0 = [&](int j) { return b0[j]; };",
        *indent(prune(s.load_b), 4),
        "      }",
        "      Bs[kk][cc] = b;",
        "    }",
        "    __syncthreads();",
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
        "  }",
        "#pragma unroll",
        "  for (int r = 0; r < TM; ++r) {",
        "    const int m = m0 + ty * TM + r;",
        "    if (m >= M) continue;",
        "#pragma unroll",
        "    for (int c = 0; c < TN; ++c) {",
        "      const long long col = c0 + tx * TN + c;",
        "      if (col >= cols) continue;",
        "      const int n = (int)(col / P), p = (int)(col - (long long)n * P);",
        "      (void)p;",
        *indent(extra, 3),
        *indent(_lambdas(s, epi_text, [f"b{k}" for k in range(len(s.inputs))]), 3),
        f"      const int i = {s.store};",
        f"      float v = acc[r][c] + W[{s.bias} + m];",
        *indent(s.epilogue, 3),
        f"      y[(long long)n * {s.extent} + i] = v;",
        "    }",
        "  }",
        "}",
    ]


# ---- host code -----------------------------------------------------------------------------
HOST_HELPERS = """\
thread_local char g_error[1024];

inline int fail(const char* what, const char* why) {
  snprintf(g_error, sizeof g_error, "%s: %s", what, why);
  return 1;
}
#define CK(call) do { cudaError_t e_ = (call); if (e_ != cudaSuccess) return fail(#call, cudaGetErrorString(e_)); } while (0)

// The load-time program: device blob d (double, converted once at the end) from the file r.
inline void p_copy(double* d, const float* r, long long dst, long long src, long long n) {
  for (long long k = 0; k < n; ++k) d[dst + k] = r[src + k];
}
inline void p_zero(double* d, long long dst, long long n) {
  for (long long k = 0; k < n; ++k) d[dst + k] = 0.0;
}
// inference BatchNorm as scale and shift: scale = gamma / sqrt(var + eps), shift = beta - mean * scale
inline void p_bn(double* d, const float* r, long long scale, long long shift, long long c,
                 long long gamma, long long beta, long long mean, long long var, double eps) {
  for (long long k = 0; k < c; ++k) {
    const double s = (gamma >= 0 ? r[gamma + k] : 1.0) / sqrt((double)r[var + k] + eps);
    d[scale + k] = s;
    d[shift + k] = (beta >= 0 ? r[beta + k] : 0.0) - r[mean + k] * s;
  }
}
// fold a BatchNorm into the rows (output channels) of the layer before it
inline void p_fold(double* d, long long w, long long b, long long rows, long long per,
                   long long scale, long long shift) {
  for (long long m = 0; m < rows; ++m) {
    for (long long k = 0; k < per; ++k) d[w + m * per + k] *= d[scale + m];
    d[b + m] = d[b + m] * d[scale + m] + d[shift + m];
  }
}
inline void p_transpose(double* d, long long at, long long rows, long long cols) {
  std::vector<double> t(d + at, d + at + rows * cols);
  for (long long m = 0; m < rows; ++m)
    for (long long k = 0; k < cols; ++k) d[at + k * rows + m] = t[m * cols + k];
}

// blocks for a grid-stride loop over total elements: enough to fill the GPU, no more
inline long long blocks_for(long long total, int sms) {
  long long b = (total + 255) / 256, cap = (long long)(sms > 0 ? sms : 1) * 32;
  return b < cap ? b : cap;
}

inline bool on_device(const void* ptr) {
  cudaPointerAttributes a;
  if (cudaPointerGetAttributes(&a, ptr) != cudaSuccess) {
    cudaGetLastError();  // clear it: an unregistered host pointer is not an error here
    return false;
  }
  return a.type == cudaMemoryTypeDevice || a.type == cudaMemoryTypeManaged;
}
"""


def _prep_call(p: Prep) -> str:
    a = p.args
    if p.op == "copy":
        return f"p_copy(d, r, {a[0]}, {a[1]}, {a[2]});"
    if p.op == "zero":
        return f"p_zero(d, {a[0]}, {a[1]});"
    if p.op == "bn":
        return f"p_bn(d, r, {', '.join(str(int(x)) for x in a[:7])}, {dbl(float(a[7]))});"
    if p.op == "fold":
        return f"p_fold(d, {', '.join(str(x) for x in a)});"
    return f"p_transpose(d, {a[0]}, {a[1]}, {a[2]});"


def host(p: Program) -> list[str]:
    x = p.prefix
    out_total = sum(b.size for b in p.outputs)
    prep: list[str] = []
    for s in p.steps:
        calls = [_prep_call(q) for q in [*s.prep, *s.post]]
        if calls:
            prep += [f"  // {s.label}", *("  " + c for c in calls)]
    lines = [
        f"namespace {x}_host {{  // named, so that several generated modules link together",
        HOST_HELPERS,
        "void build_device_weights(double* d, const float* r) {",
        *prep,
        "}",
        f"}}  // namespace {x}_host",
        f"using namespace {x}_host;",
        "",
        f"struct {x}_model {{",
        "  float* w;           // device weights (BatchNorms folded, layouts for the kernels)",
        "  float* arena;       // intermediate buffers, grown to the largest batch seen",
        "  long long capacity; // in samples",
        "  float* stage_in;    // copies of host inputs/outputs, when forward gets host pointers",
        "  float* stage_out;",
        "  long long staged;   // in samples",
        "  int sms;",
        "};",
        "",
        f'extern "C" const char* {x}_last_error(void) {{ return g_error; }}',
        "",
        f'extern "C" int {x}_create({x}_model** out, const float* weights, size_t count) {{',
        "  *out = NULL;",
        f"  if (count != {p.raw_size}u) {{",
        "    char why[160];",
        f'    snprintf(why, sizeof why, "the weights hold %zu floats, this network takes {p.raw_size}", count);',
        f'    return fail("{x}_create", why);',
        "  }",
        f"  std::vector<double> d({max(p.dev_size, 1)}, 0.0);",
        "  build_device_weights(d.data(), weights);",
        "  std::vector<float> f(d.begin(), d.end());",
        f"  {x}_model* m = ({x}_model*)calloc(1, sizeof({x}_model));",
        f'  if (!m) return fail("{x}_create", "out of host memory");',
        "  int dev = 0;",
        "  cudaError_t e = cudaGetDevice(&dev);",
        "  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&m->sms, cudaDevAttrMultiProcessorCount, dev);",
        "  if (e == cudaSuccess) e = cudaMalloc((void**)&m->w, f.size() * sizeof(float));",
        "  if (e == cudaSuccess) e = cudaMemcpy(m->w, f.data(), f.size() * sizeof(float), cudaMemcpyHostToDevice);",
        "  if (e != cudaSuccess) {",
        "    cudaFree(m->w);",
        "    free(m);",
        f'    return fail("{x}_create", cudaGetErrorString(e));',
        "  }",
        "  *out = m;",
        "  return 0;",
        "}",
        "",
        f'extern "C" int {x}_create_from_file({x}_model** out, const char* path) {{',
        "  *out = NULL;",
        '  FILE* fp = fopen(path, "rb");',
        "  if (!fp) return fail(path, strerror(errno));",
        f"  std::vector<float> w({p.raw_size} + 1);",
        "  const size_t got = fread(w.data(), sizeof(float), w.size(), fp);",
        "  fclose(fp);",
        f"  return {x}_create(out, w.data(), got);",
        "}",
        "",
        f'extern "C" void {x}_destroy({x}_model* m) {{',
        "  if (!m) return;",
        "  cudaFree(m->w);",
        "  cudaFree(m->arena);",
        "  cudaFree(m->stage_in);",
        "  cudaFree(m->stage_out);",
        "  free(m);",
        "}",
        "",
        f'extern "C" int {x}_forward_async({x}_model* m, const float* input, float* output, int batch, void* stream) {{',
        f'  if (!m || batch < 0) return fail("{x}_forward", "no model, or a negative batch");',
        "  if (batch == 0) return 0;",
    ]
    if p.mode == "layered":
        lines += [
            "  if (batch > m->capacity) {",
            "    cudaFree(m->arena);",
            "    m->arena = NULL;",
            "    m->capacity = 0;",
            f"    CK(cudaMalloc((void**)&m->arena, (size_t){max(p.arena, 1)} * batch * sizeof(float)));",
            "    m->capacity = batch;",
            "  }",
            "  float* arena = m->arena;",
            "  (void)arena;",
        ]
        lines += indent(_launches(p), 1)
    else:
        lines += [
            f"  const int threads = batch < 2 * m->sms ? {FUSED_MAX_THREADS} : {THREADS};",
            f"  CNN_LAUNCH({x}_fused, dim3((unsigned)(batch < 2147483647 ? batch : 2147483647)), dim3(threads), stream,",
            "             m->w, input, output, batch);",
            f'  CK(cudaGetLastError());',
        ]
    lines += [
        "  return 0;",
        "}",
        "",
        f'extern "C" int {x}_forward({x}_model* m, const float* input, float* output, int batch) {{',
        f'  if (!m || batch < 0) return fail("{x}_forward", "no model, or a negative batch");',
        "  if (batch == 0) return 0;",
        "  const bool din = on_device(input), dout = on_device(output);",
        "  if ((!din || !dout) && batch > m->staged) {",
        "    cudaFree(m->stage_in);",
        "    cudaFree(m->stage_out);",
        "    m->stage_in = m->stage_out = NULL;",
        "    m->staged = 0;",
        f"    CK(cudaMalloc((void**)&m->stage_in, (size_t){p.input.size} * batch * sizeof(float)));",
        f"    CK(cudaMalloc((void**)&m->stage_out, (size_t){out_total} * batch * sizeof(float)));",
        "    m->staged = batch;",
        "  }",
        "  const float* in = input;",
        "  float* out = output;",
        "  if (!din) {",
        f"    CK(cudaMemcpy(m->stage_in, input, (size_t){p.input.size} * batch * sizeof(float), cudaMemcpyHostToDevice));",
        "    in = m->stage_in;",
        "  }",
        "  if (!dout) out = m->stage_out;",
        f"  if ({x}_forward_async(m, in, out, batch, 0)) return 1;",
        "  if (!dout)",
        f"    CK(cudaMemcpy(output, out, (size_t){out_total} * batch * sizeof(float), cudaMemcpyDeviceToHost));",
        "  CK(cudaDeviceSynchronize());",
        "  return 0;",
        "}",
    ]
    return lines


def _host_ptr(b: Buf) -> str:
    if b.where == "input":
        return "input"
    if b.where == "output":
        return f"output + (long long){b.offset} * batch"
    return f"arena + (long long){b.offset} * batch"


def _launches(p: Program) -> list[str]:
    lines: list[str] = []
    for s in p.steps:
        args = ", ".join(["m->w", *[_host_ptr(b) for b in s.inputs], _host_ptr(s.out), "batch"])
        if isinstance(s, Gemm):
            bm, bn, _, tm, tn = gemm_tiles(s)
            grid = f"dim3((unsigned)(((long long)batch * {s.p} + {bn - 1}) / {bn}), {(s.m + bm - 1) // bm})"
            lines.append(f"CNN_LAUNCH({s.name}, {grid}, dim3({bm // tm * (bn // tn)}), stream, {args});")
        else:
            grid = f"dim3((unsigned)blocks_for((long long)batch * {s.extent}, m->sms))"
            lines.append(f"CNN_LAUNCH({s.name}, {grid}, dim3({THREADS}), stream, {args});")
        lines.append("CK(cudaGetLastError());")
    return lines


def source(p: Program) -> str:
    decls = [d for s in p.steps for d in s.decls]
    kernels: list[str] = []
    if p.mode == "fused":
        kernels = fused_kernel(p)
    else:
        for s in p.steps:
            kernels += (gemm_kernel(s) if isinstance(s, Gemm) else loop_kernel(s))  # type: ignore[arg-type]
            kernels.append("")
    head = [
        f"// {p.name}: CUDA inference module generated by cnncalc from {p.source}. Do not edit.",
        f"// Form: {'one fused kernel (one block per sample, buffers in shared memory)' if p.mode == 'fused' else 'one kernel per step, buffers in a global arena'}.",
        "// Every size is a compile-time constant; weights: see README.md beside this file.",
        PRELUDE,
        f'#include "{p.prefix}.h"',
        "",
    ]
    return "\n".join([*head, *decls, "" if decls else "", *kernels, "", *host(p), ""])


def header(p: Program) -> str:
    x, up = p.prefix, p.prefix.upper()
    outs = "\n".join(
        f"//   output {k}: {'x'.join(map(str, s))} ({b.size} floats per sample), at output + {b.offset} * batch"
        for k, (b, s) in enumerate(zip(p.outputs, p.output_shapes, strict=True))
    )
    return f"""\
// {p.name}: C interface of the CUDA inference module generated by cnncalc from {p.source}.
// Input: batch x {'x'.join(map(str, p.input_shape))} floats, contiguous (NC…, as torch).
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
