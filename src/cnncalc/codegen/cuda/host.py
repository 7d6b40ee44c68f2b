"""The host half of a generated module: the C ABI (create, forward, destroy), the load-time
program that builds the device weights from the file, and the launches.

The load-time program is a table (one row per instruction) run by a small interpreter, so
that a network with hundreds of layers does not become hundreds of host calls to compile.
BatchNorm folds here, in double precision, when the weights are loaded."""

from __future__ import annotations

from string import Template

from cnncalc.codegen.escape import comment

from .cstyle import dbl, indent
from .ir import Buf, Gemm, Prep, Step

THREADS = 256  # per block, both forms
# The fused kernel runs one block per sample: a small batch leaves most of the GPU idle, so
# each sample then gets more threads (every step loops over blockDim.x, any size works).
FUSED_MAX_THREADS = 1024
PREP_OPS = ("copy", "zero", "bn", "fold", "transpose")

HELPERS = r"""
namespace ${x}_host {  // named, so that several generated modules link into one program
thread_local char g_error[1024];

inline int fail(const char* what, const char* why) {
  snprintf(g_error, sizeof g_error, "%s: %s", what, why);
  return 1;
}
#define CK(call)                                                         \
  do {                                                                   \
    cudaError_t e_ = (call);                                             \
    if (e_ != cudaSuccess) return fail(#call, cudaGetErrorString(e_));   \
  } while (0)

// The load-time program builds the device blob d (double, converted once at the end) from
// the weights file r.
inline void p_copy(double* d, const float* r, long long dst, long long src, long long n) {
  for (long long k = 0; k < n; ++k) d[dst + k] = r[src + k];
}
inline void p_zero(double* d, long long dst, long long n) {
  for (long long k = 0; k < n; ++k) d[dst + k] = 0.0;
}
// BatchNorm at inference: scale = gamma / sqrt(var + eps), shift = beta - mean * scale
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

// one row per instruction: op (0 copy, 1 zero, 2 bn, 3 fold, 4 transpose), its arguments
const double kProgram[][9] = {
${program}
  {-1},
};

void build_device_weights(double* d, const float* r) {
  for (const double* q : kProgram) {
    long long a[7];
    for (int k = 0; k < 7; ++k) a[k] = (long long)q[k + 1];
    switch ((int)q[0]) {
      case 0: p_copy(d, r, a[0], a[1], a[2]); break;
      case 1: p_zero(d, a[0], a[1]); break;
      case 2: p_bn(d, r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], q[8]); break;
      case 3: p_fold(d, a[0], a[1], a[2], a[3], a[4], a[5]); break;
      case 4: p_transpose(d, a[0], a[1], a[2]); break;
      default: break;
    }
  }
}

// blocks for a grid-stride loop over total elements: enough to fill the GPU, no more
inline long long blocks_for(long long total, int sms) {
  long long b = (total + ${threads_1}) / ${threads}, cap = (long long)(sms > 0 ? sms : 1) * 32;
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
}  // namespace ${x}_host
using namespace ${x}_host;

struct ${x}_model {
  float* w;            // device weights (BatchNorms folded, layouts for the kernels)
  float* arena;        // intermediate buffers, grown to the largest batch seen
  long long capacity;  // in samples
  float* stage_in;     // copies of host inputs and outputs, when forward gets host pointers
  float* stage_out;
  long long staged;    // in samples
  int sms;
};

extern "C" const char* ${x}_last_error(void) { return g_error; }

extern "C" int ${x}_create(${x}_model** out, const float* weights, size_t count) {
  *out = NULL;
  if (count != ${raw}u) {
    char why[160];
    snprintf(why, sizeof why, "the weights hold %zu floats, this network takes ${raw}", count);
    return fail("${x}_create", why);
  }
  std::vector<double> d(${dev}, 0.0);
  build_device_weights(d.data(), weights);
  std::vector<float> f(d.begin(), d.end());
  ${x}_model* m = (${x}_model*)calloc(1, sizeof(${x}_model));
  if (!m) return fail("${x}_create", "out of host memory");
  int dev = 0;
  const size_t bytes = f.size() * sizeof(float);
  cudaError_t e = cudaGetDevice(&dev);
  if (e == cudaSuccess) e = cudaDeviceGetAttribute(&m->sms, cudaDevAttrMultiProcessorCount, dev);
  if (e == cudaSuccess) e = cudaMalloc((void**)&m->w, bytes);
  if (e == cudaSuccess) e = cudaMemcpy(m->w, f.data(), bytes, cudaMemcpyHostToDevice);
  if (e != cudaSuccess) {
    cudaFree(m->w);
    free(m);
    return fail("${x}_create", cudaGetErrorString(e));
  }
  *out = m;
  return 0;
}

extern "C" int ${x}_create_from_file(${x}_model** out, const char* path) {
  *out = NULL;
  FILE* fp = fopen(path, "rb");
  if (!fp) return fail(path, strerror(errno));
  std::vector<float> w(${raw} + 1);  // one more: a longer file is refused, not cut
  const size_t got = fread(w.data(), sizeof(float), w.size(), fp);
  fclose(fp);
  return ${x}_create(out, w.data(), got);
}

extern "C" void ${x}_destroy(${x}_model* m) {
  if (!m) return;
  cudaFree(m->w);
  cudaFree(m->arena);
  cudaFree(m->stage_in);
  cudaFree(m->stage_out);
  free(m);
}

extern "C" int ${x}_forward_async(${x}_model* m, const float* input, float* output, int batch,
                                  void* stream) {
  if (!m || batch < 0) return fail("${x}_forward", "no model, or a negative batch");
  if (batch == 0) return 0;
${launch}
  return 0;
}

extern "C" int ${x}_forward(${x}_model* m, const float* input, float* output, int batch) {
  if (!m || batch < 0) return fail("${x}_forward", "no model, or a negative batch");
  if (batch == 0) return 0;
  const size_t in_bytes = (size_t)${in_size} * batch * sizeof(float);
  const size_t out_bytes = (size_t)${out_size} * batch * sizeof(float);
  const bool din = on_device(input), dout = on_device(output);
  if ((!din || !dout) && batch > m->staged) {
    cudaFree(m->stage_in);
    cudaFree(m->stage_out);
    m->stage_in = m->stage_out = NULL;
    m->staged = 0;
    CK(cudaMalloc((void**)&m->stage_in, in_bytes));
    CK(cudaMalloc((void**)&m->stage_out, out_bytes));
    m->staged = batch;
  }
  const float* in = input;
  float* out = output;
  if (!din) {
    CK(cudaMemcpy(m->stage_in, input, in_bytes, cudaMemcpyHostToDevice));
    in = m->stage_in;
  }
  if (!dout) out = m->stage_out;
  if (${x}_forward_async(m, in, out, batch, 0)) return 1;
  if (!dout) CK(cudaMemcpy(output, out, out_bytes, cudaMemcpyDeviceToHost));
  CK(cudaDeviceSynchronize());
  return 0;
}
"""

ARENA = r"""  if (batch > m->capacity) {
    cudaFree(m->arena);
    m->arena = NULL;
    m->capacity = 0;
    CK(cudaMalloc((void**)&m->arena, (size_t)${arena} * batch * sizeof(float)));
    m->capacity = batch;
  }
  float* arena = m->arena;"""

FUSED = r"""  const int threads = batch < 2 * m->sms ? ${big} : ${small};
  const unsigned blocks = (unsigned)(batch < 2147483647 ? batch : 2147483647);
  CNN_LAUNCH(${x}_fused, dim3(blocks), dim3(threads), stream, m->w, input, output, batch);
  CK(cudaGetLastError());"""


def _row(q: Prep) -> str:
    """A row of the program table: offsets are exact in a double; ε is the one fraction."""
    args = [PREP_OPS.index(q.op), *q.args]
    return "{" + ", ".join(dbl(float(a)) if isinstance(a, float) else str(a) for a in args) + "}"


def _pointer(b: Buf) -> str:
    if b.where == "input":
        return "input"
    if b.where == "output":
        return f"output + (long long){b.offset} * batch"
    return f"arena + (long long){b.offset} * batch"


def gemm_tiles(s: Gemm) -> tuple[int, int, int, int, int]:
    """(BM, BN, BK, TM, TN): 256 threads, each a TM×TN block of outputs."""
    if s.m >= 128:
        return 128, 64, 16, 8, 4
    return 64, 64, 16, 4, 4


def launches(steps: list[Step]) -> list[str]:
    lines: list[str] = []
    for s in steps:
        args = ", ".join(["m->w", *[_pointer(b) for b in s.inputs], _pointer(s.out), "batch"])
        if isinstance(s, Gemm):
            bm, bn, _, tm, tn = gemm_tiles(s)
            cols = f"(unsigned)(((long long)batch * {s.p} + {bn - 1}) / {bn})"
            grid, block = f"dim3({cols}, {(s.m + bm - 1) // bm})", bm // tm * (bn // tn)
        else:
            grid = f"dim3((unsigned)blocks_for((long long)batch * {s.extent}, m->sms))"
            block = THREADS
        lines += [f"CNN_LAUNCH({s.name}, {grid}, dim3({block}), stream,", f"           {args});"]
        lines.append("CK(cudaGetLastError());")
    return lines


def host(
    prefix: str,
    steps: list[Step],
    fused: bool,
    raw: int,
    dev: int,
    arena: int,
    in_size: int,
    out_size: int,
) -> str:
    rows: list[str] = []
    for s in steps:
        program = [*s.prep, *s.post]
        if program:
            rows += [f"  // {comment(s.label)}", *(f"  {_row(q)}," for q in program)]
    if fused:
        launch = Template(FUSED).substitute(x=prefix, big=FUSED_MAX_THREADS, small=THREADS)
    else:
        # no intermediates (every step writes an output): no arena
        launch = Template(ARENA).substitute(arena=arena) + "\n" if arena else ""
        launch += "\n".join(indent(launches(steps), 1))
    return Template(HELPERS).substitute(
        x=prefix,
        program="\n".join(rows),
        threads=THREADS,
        threads_1=THREADS - 1,
        raw=raw,
        dev=max(dev, 1),
        launch=launch,
        in_size=in_size,
        out_size=out_size,
    )
