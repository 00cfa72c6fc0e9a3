// Candidate side of the kisystem example task "vector-add" (docs/task-authors.md).
//
// For each input frame from the trusted checker (checker.cpp: built without the solution, run
// outside this program's sandbox) it copies a and b to the GPU, fills the output with a sentinel,
// calls the candidate's vector_add once and answers with the whole output buffer, guard region
// included, so that the checker also sees a write past c[n-1] where it would not crash.
// It never judges. A CUDA error prints its name and text to stderr and exits 2 (a runtime error).
//
// Input frame: u64 n, vec<f32> a, vec<f32> b (n + guard elements each).   Answer: vec<f32> c (same length).
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kisystem_io.h"
#include "vector_add.h"

#define CUDA_CHECK(call) cuda_check((call), #call, __FILE__, __LINE__)

static void cuda_check(cudaError_t err, const char* what, const char* file, int line) {
  if (err != cudaSuccess) {
    std::fflush(stdout);
    std::fprintf(stderr, "CUDA error %s: %s\n  at %s:%d in %s\n", cudaGetErrorName(err),
                 cudaGetErrorString(err), file, line, what);
    std::exit(2);
  }
}

int main() {
  kio::Candidate io;
  int devices = 0;
  CUDA_CHECK(cudaGetDeviceCount(&devices));
  std::vector<char> frame;
  while (io.next(frame)) {
    kio::Reader in(frame);
    const int n = static_cast<int>(in.get<std::uint64_t>());
    const std::vector<float> a = in.get_vec<float>();
    const std::vector<float> b = in.get_vec<float>();
    if (!in.ok || a.size() != b.size() || a.size() < static_cast<std::size_t>(n)) return 4;
    const std::size_t total = a.size();

    float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
    CUDA_CHECK(cudaMalloc(&d_a, total * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_b, total * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_c, total * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_a, a.data(), total * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_b, b.data(), total * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemset(d_c, 0xFF, total * sizeof(float)));  // every word = the sentinel (a NaN)
    CUDA_CHECK(cudaDeviceSynchronize());

    vector_add(d_a, d_b, d_c, n);
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaDeviceSynchronize());

    std::vector<float> c(total);
    CUDA_CHECK(cudaMemcpy(c.data(), d_c, total * sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_a));
    CUDA_CHECK(cudaFree(d_b));
    CUDA_CHECK(cudaFree(d_c));
    kio::Writer out;
    out.put_vec(c);
    io.reply(out);
  }
  return 0;
}
