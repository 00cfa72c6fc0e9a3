// Candidate side of the kisystem example task "matmul-tiled" (docs/task-authors.md).
//
// For each input frame from the trusted checker (checker.cpp: built without the solution, run
// outside this program's sandbox) it copies A and B (each with a guard region behind it) to the
// GPU, fills C and its guard with a sentinel, calls the candidate's matmul `reps` times, and
// answers with the whole of C, guard included, so that the checker also sees a store outside C
// where it would not crash. It never judges and never times: the tests' verdict and the
// benchmark's times (the optimization phase, tier 0) come from the trusted side, which times each
// answer from outside and subtracts a 1-call answer from a many-call answer of the same size.
// A CUDA error prints its name and text to stderr and exits 2 (a runtime error, not a wrong result).
//
//   ./candidate [--bench]   the same program for tests and benchmark (--bench is accepted and ignored)
//
// Input frame: u32 reps, u64 M, u64 N, u64 K, u64 guard, vec<f32> A (M*K + guard), vec<f32> B (K*N + guard).
// Answer: vec<f32> C (M*N + guard).
#include <cuda_runtime.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kisystem_io.h"
#include "matmul.h"

#define CUDA_CHECK(call) cuda_check((call), #call, __FILE__, __LINE__)

static void cuda_check(cudaError_t err, const char* what, const char* file, int line) {
  if (err != cudaSuccess) {
    std::fflush(stdout);
    std::fprintf(stderr, "CUDA error %s: %s\n  at %s:%d in %s\n", cudaGetErrorName(err),
                 cudaGetErrorString(err), file, line, what);
    std::exit(2);
  }
}

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "--bench") != 0)) {
    std::fprintf(stderr, "usage: %s [--bench]  (reads input frames on stdin; docs/task-authors.md)\n", argv[0]);
    return 2;
  }
  kio::Candidate io;
  int devices = 0;
  CUDA_CHECK(cudaGetDeviceCount(&devices));
  std::vector<char> frame;
  while (io.next(frame)) {
    kio::Reader in(frame);
    const int reps = static_cast<int>(in.get<std::uint32_t>());
    const int M = static_cast<int>(in.get<std::uint64_t>());
    const int N = static_cast<int>(in.get<std::uint64_t>());
    const int K = static_cast<int>(in.get<std::uint64_t>());
    const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
    const std::vector<float> a = in.get_vec<float>();
    const std::vector<float> b = in.get_vec<float>();
    const std::size_t size_c = static_cast<std::size_t>(M) * N + guard;
    if (!in.ok || a.size() < static_cast<std::size_t>(M) * K || b.size() < static_cast<std::size_t>(K) * N) return 4;

    float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
    CUDA_CHECK(cudaMalloc(&d_a, a.size() * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_b, b.size() * sizeof(float)));
    CUDA_CHECK(cudaMalloc(&d_c, size_c * sizeof(float)));
    CUDA_CHECK(cudaMemcpy(d_a, a.data(), a.size() * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemcpy(d_b, b.data(), b.size() * sizeof(float), cudaMemcpyHostToDevice));
    CUDA_CHECK(cudaMemset(d_c, 0xFF, size_c * sizeof(float)));  // every word = the sentinel (a NaN)
    CUDA_CHECK(cudaDeviceSynchronize());

    for (int r = 0; r < reps; ++r) matmul(d_a, d_b, d_c, M, N, K);
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaDeviceSynchronize());

    std::vector<float> c(size_c);
    CUDA_CHECK(cudaMemcpy(c.data(), d_c, size_c * sizeof(float), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaFree(d_a));
    CUDA_CHECK(cudaFree(d_b));
    CUDA_CHECK(cudaFree(d_c));
    kio::Writer out;
    out.put_vec(c);
    io.reply(out);
  }
  return 0;
}
