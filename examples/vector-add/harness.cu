// Test harness of the kisystem example task "vector-add".
//
// Runs the candidate's vector_add on several sizes with random inputs and compares every element
// with a CPU reference. Each buffer has a guard region behind its n elements; the output's guard is
// filled with a sentinel, so a write past c[n-1] is caught even where it would not crash.
//
// Output: the seed, then exactly one line "KISYSTEM_VERDICT: PASS" (exit 0) or
// "KISYSTEM_VERDICT: FAIL <reason>" (exit 1). A CUDA error prints its name and text to stderr and
// exits 2 without a verdict: that is a runtime error, not a wrong result.
#include <cuda_runtime.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

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

static const size_t kGuard = 4096;            // floats behind each buffer
static const uint32_t kSentinel = 0xFFFFFFFFu; // bit pattern of the output before the call (a NaN)

// Runs one size; returns "" when correct, else the reason.
static std::string run_case(int n, std::mt19937_64& rng) {
  const size_t total = static_cast<size_t>(n) + kGuard;
  std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
  std::vector<float> a(total), b(total);
  for (size_t i = 0; i < total; ++i) {
    a[i] = dist(rng);
    b[i] = dist(rng);
  }

  float *d_a = nullptr, *d_b = nullptr, *d_c = nullptr;
  CUDA_CHECK(cudaMalloc(&d_a, total * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_b, total * sizeof(float)));
  CUDA_CHECK(cudaMalloc(&d_c, total * sizeof(float)));
  CUDA_CHECK(cudaMemcpy(d_a, a.data(), total * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemcpy(d_b, b.data(), total * sizeof(float), cudaMemcpyHostToDevice));
  CUDA_CHECK(cudaMemset(d_c, 0xFF, total * sizeof(float)));  // every word = kSentinel
  CUDA_CHECK(cudaDeviceSynchronize());

  vector_add(d_a, d_b, d_c, n);
  CUDA_CHECK(cudaGetLastError());
  CUDA_CHECK(cudaDeviceSynchronize());

  std::vector<float> c(total);
  CUDA_CHECK(cudaMemcpy(c.data(), d_c, total * sizeof(float), cudaMemcpyDeviceToHost));
  CUDA_CHECK(cudaFree(d_a));
  CUDA_CHECK(cudaFree(d_b));
  CUDA_CHECK(cudaFree(d_c));

  char buf[256];
  for (int i = 0; i < n; ++i) {
    const float expected = a[i] + b[i];
    const float tol = 1e-6f * (std::fabs(a[i]) + std::fabs(b[i])) + 1e-30f;
    if (!(std::fabs(c[i] - expected) <= tol)) {  // also catches NaN (never written)
      std::snprintf(buf, sizeof buf, "n=%d: c[%d] = %.9g, expected %.9g (a=%.9g, b=%.9g)", n, i,
                    c[i], expected, a[i], b[i]);
      return buf;
    }
  }
  for (size_t i = static_cast<size_t>(n); i < total; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &c[i], sizeof bits);
    if (bits != kSentinel) {
      std::snprintf(buf, sizeof buf, "n=%d: wrote c[%zu] = %.9g, past the end of the output", n, i,
                    c[i]);
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

  // Edge cases first (n=1, around the usual block sizes), then random sizes, then a large one.
  std::vector<int> sizes = {1, 2, 31, 255, 256, 257, 1023, 1025, 4097};
  std::uniform_int_distribution<int> small(1, 100000), medium(100001, 3000000);
  for (int i = 0; i < 4; ++i) sizes.push_back(small(rng));
  sizes.push_back(medium(rng));
  sizes.push_back((1 << 25) + 7 + static_cast<int>(rng() % 1000));  // about 33.5 million

  for (int n : sizes) {
    const std::string failure = run_case(n, rng);
    if (!failure.empty()) return verdict_fail(failure);
    std::printf("ok n=%d\n", n);
  }
  std::printf("KISYSTEM_VERDICT: PASS\n");
  return 0;
}
