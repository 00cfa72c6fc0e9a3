// Test harness of the kisystem example task "matmul-tiled".
//
// Test mode runs the candidate's matmul on several shapes (square, tile multiples, and shapes that
// are not multiples of 16 or 32) with random inputs and compares every element of C with a CPU
// reference computed in double precision. The tolerance is relative to sum_k |A(i,k) * B(k,j)|,
// the natural scale of fp32 rounding error for that element. Each buffer has a guard region behind
// it; the guard of C is filled with a sentinel, so a store outside C is caught even where it would
// not crash.
//
// Benchmark mode (the task's `benchmark` command, tier 0 of the optimization phase) times matmul
// on one square shape and spot-checks the result, so that a wrong kernel never yields a time.
//
//   ./candidate          test mode. Output: the seed, then exactly one line
//                        "KISYSTEM_VERDICT: PASS" (exit 0) or "KISYSTEM_VERDICT: FAIL <reason>"
//                        (exit 1).
//   ./candidate --bench  benchmark mode. M = N = K = 2048, or KISYSTEM_BENCH_SIZE (an integer
//                        1..8192; anything else: a message on stderr, exit 2). Random inputs in
//                        [-1, 1] from the seed; 3 warm-up calls of matmul, then 20 calls, each
//                        timed alone with CUDA events. Then 16 elements of C (the four corners
//                        and 12 random ones) are compared with a double-precision dot product,
//                        with the tolerance of the tests. Output: the seed; then, only if those
//                        elements are right, one line "KISYSTEM_BENCH kernel=matmul ms=<float>"
//                        per timed call (format: policy/microbench-line.ts) and a summary line
//                        "bench: median ..." (exit 0). A wrong element prints
//                        "KISYSTEM_BENCH_ERROR wrong result at C[i][j] ..." to stderr and exits 1
//                        without any KISYSTEM_BENCH line.
//
// Any other argument: usage on stderr, exit 2. In both modes the seed comes from KISYSTEM_SEED
// (else the clock), and a CUDA error prints its name and text to stderr and exits 2 without a
// verdict or a time: that is a runtime error, not a wrong result.
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
#include <utility>
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

// Test mode: every shape, one verdict.
static int run_tests() {
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

static const int kBenchDefaultSize = 2048;
static const int kBenchMaxSize = 8192;
static const int kBenchWarmups = 3;
static const int kBenchReps = 20;
static const int kBenchRandomSamples = 12;  // besides the four corners of C

static int usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s            run the tests (prints one KISYSTEM_VERDICT line)\n"
               "       %s --bench    time matmul (prints KISYSTEM_BENCH lines; M = N = K = "
               "KISYSTEM_BENCH_SIZE, default %d)\n",
               program, program, kBenchDefaultSize);
  return 2;
}

// KISYSTEM_BENCH_SIZE, or the default when it is unset or empty; 0 (after a message on stderr)
// when it is not an integer from 1 to kBenchMaxSize.
static int bench_size() {
  const char* env = std::getenv("KISYSTEM_BENCH_SIZE");
  if (env == nullptr || *env == '\0') return kBenchDefaultSize;
  const size_t length = std::strlen(env);
  bool digits = length <= 9;
  for (size_t i = 0; digits && i < length; ++i) digits = env[i] >= '0' && env[i] <= '9';
  const long value = digits ? std::strtol(env, nullptr, 10) : 0;
  if (value < 1 || value > kBenchMaxSize) {
    std::fprintf(stderr, "KISYSTEM_BENCH_SIZE=%s: expected an integer from 1 to %d\n", env,
                 kBenchMaxSize);
    return 0;
  }
  return static_cast<int>(value);
}

// Benchmark mode: times matmul on one square shape, then spot-checks C before printing the times.
static int run_bench() {
  const int n = bench_size();
  if (n == 0) return 2;
  const unsigned long long seed = choose_seed();
  std::printf("seed: %llu (set KISYSTEM_SEED=%llu to repeat this run)\n", seed, seed);
  std::mt19937_64 rng(seed);

  int devices = 0;
  CUDA_CHECK(cudaGetDeviceCount(&devices));

  const int M = n, N = n, K = n;
  const size_t size_a = static_cast<size_t>(M) * K, size_b = static_cast<size_t>(K) * N,
               size_c = static_cast<size_t>(M) * N;
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(size_a), b(size_b);
  for (float& x : a) x = dist(rng);
  for (float& x : b) x = dist(rng);

  float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
  CUDA_CHECK(cudaMalloc(&d_a, size_a * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_b, size_b * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_c, size_c * sizeof(float)));
  CUDA_CHECK(cudaMemcpy(d_a, a.data(), size_a * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy(d_b, b.data(), size_b * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemset(d_c, 0xFF, size_c * sizeof(float)));  // NaN: an unwritten element is wrong
  cudaEvent_t start, stop;
  CUDA_CHECK(cudaEventCreate(&start));
  CUDA_CHECK(cudaEventCreate(&stop));
  CUDA_CHECK(cudaDeviceSynchronize());

  for (int i = 0; i < kBenchWarmups; ++i) matmul(d_a, d_b, d_c, M, N, K);
  CUDA_CHECK(cudaGetLastError());
  CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<float> times(kBenchReps);
  for (int r = 0; r < kBenchReps; ++r) {
    CUDA_CHECK(cudaEventRecord(start));
    matmul(d_a, d_b, d_c, M, N, K);
    CUDA_CHECK(cudaEventRecord(stop));
    CUDA_CHECK(cudaEventSynchronize(stop));
    CUDA_CHECK(cudaGetLastError());
    CUDA_CHECK(cudaEventElapsedTime(&times[r], start, stop));
  }

  // Spot check of the last call's C: the corners and random elements against a double dot product.
  std::vector<std::pair<int, int>> samples = {{0, 0}, {0, N - 1}, {M - 1, 0}, {M - 1, N - 1}};
  std::uniform_int_distribution<int> pick_row(0, M - 1), pick_col(0, N - 1);
  for (int s = 0; s < kBenchRandomSamples; ++s) samples.push_back({pick_row(rng), pick_col(rng)});
  for (const std::pair<int, int>& ij : samples) {
    const int i = ij.first, j = ij.second;
    float got = 0.0f;
    CUDA_CHECK(cudaMemcpy(&got, d_c + static_cast<size_t>(i) * N + j, sizeof(float),
                          cudaMemcpyDeviceToHost));
    double ref = 0.0, scale = 0.0;
    for (int k = 0; k < K; ++k) {
      const double p = static_cast<double>(a[static_cast<size_t>(i) * K + k]) *
                       b[static_cast<size_t>(k) * N + j];
      ref += p;
      scale += std::fabs(p);
    }
    const double tol = kRelTol * scale + kAbsTol;
    if (!(std::fabs(static_cast<double>(got) - ref) <= tol)) {  // also catches NaN (unwritten)
      std::fflush(stdout);
      std::fprintf(stderr,
                   "KISYSTEM_BENCH_ERROR wrong result at C[%d][%d] = %.7g, expected %.7g "
                   "(tolerance %.2g, M=N=K=%d): no time is reported for a wrong kernel\n",
                   i, j, got, ref, tol, n);
      return 1;
    }
  }

  for (int r = 0; r < kBenchReps; ++r) {
    std::printf("KISYSTEM_BENCH kernel=matmul ms=%.6f\n", times[r]);
  }
  std::vector<float> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const double median_ms =
      0.5 * (static_cast<double>(sorted[(kBenchReps - 1) / 2]) + sorted[kBenchReps / 2]);
  const double flops = 2.0 * M * N * static_cast<double>(K);
  std::printf("bench: median %.4f ms of %d runs, %.1f GFLOP/s at %d^3\n", median_ms, kBenchReps,
              flops / (median_ms * 1e6), n);

  CUDA_CHECK(cudaEventDestroy(start));
  CUDA_CHECK(cudaEventDestroy(stop));
  CUDA_CHECK(cudaFree(d_a));
  CUDA_CHECK(cudaFree(d_b));
  CUDA_CHECK(cudaFree(d_c));
  return 0;
}

int main(int argc, char** argv) {
  if (argc == 1) return run_tests();
  if (argc == 2 && std::strcmp(argv[1], "--bench") == 0) return run_bench();
  return usage(argv[0]);
}
