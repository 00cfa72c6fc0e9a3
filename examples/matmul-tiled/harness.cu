// Test harness of the kisystem example task "matmul-tiled".
//
// Runs the candidate's matmul on several shapes (square, tile multiples, and shapes that are not
// multiples of 16 or 32) with random inputs and compares every element of C with a CPU reference
// computed in double precision. The tolerance is relative to sum_k |A(i,k) * B(k,j)|, the natural
// scale of fp32 rounding error for that element. Each buffer has a guard region behind it; the
// guard of C is filled with a sentinel, so a store outside C is caught even where it would not
// crash.
//
// Output: the seed, then exactly one line "KISYSTEM_VERDICT: PASS" (exit 0) or
// "KISYSTEM_VERDICT: FAIL <reason>" (exit 1). A CUDA error prints its name and text to stderr and
// exits 2 without a verdict: that is a runtime error, not a wrong result.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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

static unsigned long long choose_seed() {
  const char* env = std::getenv("KISYSTEM_SEED");
  if (env != nullptr && *env != '\0') {
    char* end = nullptr;
    unsigned long long value = std::strtoull(env, &end, 0);
    if (end != nullptr && *end == '\0') return value;
    std::fprintf(stderr, "ignoring KISYSTEM_SEED=%s: not a number\n", env);
  }
  return static_cast<unsigned long long>(
      std::chrono::high_resolution_clock::now().time_since_epoch().count());
}

static int verdict_fail(const std::string& reason) {
  std::printf("KISYSTEM_VERDICT: FAIL %s\n", reason.c_str());
  std::fflush(stdout);
  return 1;
}

struct Shape {
  int M, N, K;
};

static const uint32_t kSentinel = 0xFFFFFFFFu;  // bit pattern of C before the call (a NaN)
static const double kRelTol = 2e-4;             // of sum_k |a * b|
static const double kAbsTol = 1e-6;

// Floats behind each matrix: enough for a kernel that runs whole 64 x 64 tiles past every edge.
static size_t guard_for(const Shape& s) {
  const size_t largest = static_cast<size_t>(std::max(s.M, std::max(s.N, s.K)));
  return 64 * (largest + 64) + 1024;
}

// Runs one shape; returns "" when correct, else the reason.
static std::string run_case(const Shape& s, std::mt19937_64& rng) {
  const int M = s.M, N = s.N, K = s.K;
  const size_t guard = guard_for(s);
  const size_t size_a = static_cast<size_t>(M) * K, size_b = static_cast<size_t>(K) * N,
               size_c = static_cast<size_t>(M) * N;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(size_a + guard), b(size_b + guard);
  for (float& x : a) x = dist(rng);  // the guards get random values too
  for (float& x : b) x = dist(rng);

  float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
  CUDA_CHECK(cudaMalloc(&d_a, a.size() * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_b, b.size() * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_c, (size_c + guard) * sizeof(float)));
  CUDA_CHECK(cudaMemcpy(d_a, a.data(), a.size() * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy(d_b, b.data(), b.size() * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemset(d_c, 0xFF, (size_c + guard) * sizeof(float)));  // every word = kSentinel
  CUDA_CHECK(cudaDeviceSynchronize());

  matmul(d_a, d_b, d_c, M, N, K);
  CUDA_CHECK(cudaGetLastError());
  CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<float> c(size_c + guard);
  CUDA_CHECK(cudaMemcpy(c.data(), d_c, c.size() * sizeof(float), cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaFree(d_a));
  CUDA_CHECK(cudaFree(d_b));
  CUDA_CHECK(cudaFree(d_c));

  char buf[256];
  std::vector<double> ref(N), scale(N);
  for (int i = 0; i < M; ++i) {
    std::fill(ref.begin(), ref.end(), 0.0);
    std::fill(scale.begin(), scale.end(), 0.0);
    for (int k = 0; k < K; ++k) {
      const double aik = a[static_cast<size_t>(i) * K + k];
      const float* brow = &b[static_cast<size_t>(k) * N];
      for (int j = 0; j < N; ++j) {
        const double p = aik * brow[j];
        ref[j] += p;
        scale[j] += std::fabs(p);
      }
    }
    for (int j = 0; j < N; ++j) {
      const float got = c[static_cast<size_t>(i) * N + j];
      const double tol = kRelTol * scale[j] + kAbsTol;
      if (!(std::fabs(static_cast<double>(got) - ref[j]) <= tol)) {  // also catches NaN (unwritten)
        std::snprintf(buf, sizeof buf, "M=%d N=%d K=%d: C[%d][%d] = %.7g, expected %.7g (tolerance %.2g)",
                      M, N, K, i, j, got, ref[j], tol);
        return buf;
      }
    }
  }
  for (size_t i = size_c; i < c.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &c[i], sizeof bits);
    if (bits != kSentinel) {
      std::snprintf(buf, sizeof buf,
                    "M=%d N=%d K=%d: wrote element %zu of C (C has only %zu elements): a store "
                    "outside the matrix",
                    M, N, K, i, size_c);
      return buf;
    }
  }
  return "";
}

int main() {
  const unsigned long long seed = choose_seed();
  std::printf("seed: %llu (set KISYSTEM_SEED=%llu to repeat this run)\n", seed, seed);
  std::mt19937_64 rng(seed);

  int devices = 0;
  CUDA_CHECK(cudaGetDeviceCount(&devices));

  std::vector<Shape> shapes = {
      {1, 1, 1},    {16, 16, 16},  {32, 32, 32},   {64, 64, 64},   {17, 33, 45},
      {33, 17, 5},  {1, 300, 77},  {300, 1, 129},  {100, 100, 1},  {257, 129, 65},
      {48, 80, 112}, {31, 63, 95},
  };
  std::uniform_int_distribution<int> dim(1, 300), big(300, 600);
  for (int i = 0; i < 4; ++i) shapes.push_back({dim(rng), dim(rng), dim(rng)});
  shapes.push_back({big(rng), big(rng), big(rng)});

  for (const Shape& s : shapes) {
    const std::string failure = run_case(s, rng);
    if (!failure.empty()) return verdict_fail(failure);
    std::printf("ok M=%d N=%d K=%d\n", s.M, s.N, s.K);
  }
  std::printf("KISYSTEM_VERDICT: PASS\n");
  return 0;
}
