// CPU emulation of the CUDA subset that cnncalc's generated modules use, so that tests can
// compile a generated .cu with g++ and run it without a GPU:
//   g++ -std=c++17 -O1 -shared -fPIC -DCNN_EMULATE -include cuda_emu.h net.cu -o libnet.so
// Each block's threads are coroutines (ucontext): a thread runs until __syncthreads() or its
// end, and the block moves on when every thread has reached the same barrier, so shared
// memory tiles and barriers behave as on a GPU. Device memory is host memory, filled with NaN
// bytes when allocated (a read of anything never written shows up as NaN in the output).
// A barrier that not every thread of the block reaches aborts the program.
#pragma once
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>

#include <vector>

#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))

struct uint3 { unsigned x, y, z; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
struct dim3 {
  unsigned x, y, z;
  dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
inline uint3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;

typedef enum { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 } cudaError_t;
typedef enum { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice } cudaMemcpyKind;
typedef enum { cudaDevAttrMultiProcessorCount = 16 } cudaDeviceAttr;
typedef enum { cudaMemoryTypeUnregistered, cudaMemoryTypeHost, cudaMemoryTypeDevice, cudaMemoryTypeManaged } cudaMemoryType;
struct cudaPointerAttributes { cudaMemoryType type; int device; void* devicePointer; void* hostPointer; };
typedef void* cudaStream_t;

inline const char* cudaGetErrorString(cudaError_t e) { return e == cudaSuccess ? "no error" : "out of memory (emulated)"; }
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline cudaError_t cudaGetDevice(int* d) { *d = 0; return cudaSuccess; }
inline cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr, int) { *v = 2; return cudaSuccess; }
inline cudaError_t cudaMalloc(void** p, size_t n) {
  *p = malloc(n ? n : 1);
  if (!*p) return cudaErrorMemoryAllocation;
  memset(*p, 0xFF, n);  // NaN in every float
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* p) { free(p); return cudaSuccess; }
inline cudaError_t cudaMemcpy(void* d, const void* s, size_t n, cudaMemcpyKind) { memmove(d, s, n); return cudaSuccess; }
inline cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* a, const void* p) {
  a->type = cudaMemoryTypeDevice;  // all memory is the "device" here
  a->device = 0;
  a->devicePointer = a->hostPointer = (void*)p;
  return cudaSuccess;
}

namespace emu {
constexpr size_t kStack = 256 * 1024;

#if defined(__x86_64__)
// A minimal context switch (callee-saved registers and the stack pointer): glibc's
// swapcontext makes a system call per switch, which dominates kernels with many barriers.
extern "C" void cnn_emu_switch(void** save_sp, void* load_sp);
asm(R"(
  .text
  .hidden cnn_emu_switch
  .globl cnn_emu_switch
  .type cnn_emu_switch, @function
cnn_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size cnn_emu_switch, .-cnn_emu_switch
)");
struct Context {
  void* sp = nullptr;
};
inline void switch_to(Context& from, Context& to) { cnn_emu_switch(&from.sp, to.sp); }
inline void start(Context& c, char* stack, size_t size, void (*fn)()) {
  uintptr_t top = (reinterpret_cast<uintptr_t>(stack) + size) & ~uintptr_t(15);
  void** sp = reinterpret_cast<void**>(top);
  *--sp = nullptr;                         // fake return address of fn: rsp % 16 == 8 on entry
  *--sp = reinterpret_cast<void*>(fn);     // where the first switch "returns" to
  for (int k = 0; k < 6; ++k) *--sp = nullptr;  // rbp rbx r12 r13 r14 r15
  c.sp = sp;
}
#else
struct Context {
  ucontext_t uc;
};
inline void switch_to(Context& from, Context& to) { swapcontext(&from.uc, &to.uc); }
inline void start(Context& c, char* stack, size_t size, void (*fn)()) {
  getcontext(&c.uc);
  c.uc.uc_stack.ss_sp = stack;
  c.uc.uc_stack.ss_size = size;
  c.uc.uc_link = nullptr;
  makecontext(&c.uc, fn, 0);
}
#endif

struct Thread {
  Context ctx;
  std::vector<char> stack;
  bool done = false, waiting = false;
};

inline Context g_sched;
inline std::vector<Thread> g_threads;
inline Thread* g_current = nullptr;
inline void (*g_body)(void*) = nullptr;
inline void* g_arg = nullptr;
inline bool g_direct = false;  // threads run one after another, no barrier expected

inline void entry() {
  g_body(g_arg);
  g_current->done = true;
  switch_to(g_current->ctx, g_sched);
}

inline void set_thread(unsigned t) {
  threadIdx.x = t % blockDim.x;
  threadIdx.y = (t / blockDim.x) % blockDim.y;
  threadIdx.z = t / (blockDim.x * blockDim.y);
}

// Runs one block; returns whether any thread waited at a barrier.
inline bool run_block() {
  const unsigned n = blockDim.x * blockDim.y * blockDim.z;
  if (g_direct) {
    for (unsigned t = 0; t < n; ++t) {
      set_thread(t);
      g_body(g_arg);
    }
    return false;
  }
  if (g_threads.size() < n) g_threads.resize(n);
  for (unsigned t = 0; t < n; ++t) {
    Thread& th = g_threads[t];
    if (th.stack.empty()) th.stack.resize(kStack);
    th.done = th.waiting = false;
    start(th.ctx, th.stack.data(), th.stack.size(), entry);
  }
  bool barrier = false;
  for (;;) {
    unsigned finished = 0, waiting = 0;
    for (unsigned t = 0; t < n; ++t) {
      Thread& th = g_threads[t];
      if (th.done) { ++finished; continue; }
      th.waiting = false;
      g_current = &th;
      set_thread(t);
      switch_to(g_sched, th.ctx);
      if (th.done) ++finished; else { ++waiting; barrier = true; }
    }
    if (finished == n) return barrier;
    if (waiting != n) {  // some threads ended while others wait at a barrier
      fprintf(stderr, "cuda_emu: __syncthreads() not reached by every thread of block (%u,%u,%u)\n",
              blockIdx.x, blockIdx.y, blockIdx.z);
      abort();
    }
  }
}

template <class F>
void launch(dim3 grid, dim3 block, F&& f) {
  gridDim = grid;
  blockDim = block;
  g_body = [](void* p) { (*static_cast<F*>(p))(); };
  g_arg = &f;
  g_direct = false;
  for (unsigned z = 0; z < grid.z; ++z)
    for (unsigned y = 0; y < grid.y; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx.x = x; blockIdx.y = y; blockIdx.z = z;
        // a kernel whose first block never waits at a barrier has none: run the rest directly
        const bool waited = run_block();
        if (!waited) g_direct = true;
      }
}
}  // namespace emu

inline void __syncthreads() {
  if (emu::g_direct) {
    fprintf(stderr, "cuda_emu: a barrier in a kernel whose first block had none\n");
    abort();
  }
  emu::g_current->waiting = true;
  emu::switch_to(emu::g_current->ctx, emu::g_sched);
}

#define CNN_LAUNCH(kernel, grid, block, stream, ...) \
  emu::launch((grid), (block), [&]() { kernel(__VA_ARGS__); })
