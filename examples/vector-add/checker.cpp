// Trusted checker of the kisystem example task "vector-add" (docs/task-authors.md): draws sizes
// and inputs from a seed the candidate never sees and compares every element of the candidate's
// output with a CPU reference. Each buffer has a guard region behind its n elements; the output's
// guard must still hold the sentinel the harness wrote before the call (a write past c[n-1]).
// Frames: see harness.cu. Built without the solution (host C++ only); runs outside the candidate's sandbox.
#include "kisystem_io.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

static const std::size_t kGuard = 4096;             // floats behind each buffer
static const std::uint32_t kSentinel = 0xFFFFFFFFu;  // bit pattern of the output before the call

void kio_cases(const std::string&, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  // Edge cases first (n=1, around the usual block sizes), then random sizes, then a large one.
  std::vector<int> sizes = {1, 2, 31, 255, 256, 257, 1023, 1025, 4097};
  std::uniform_int_distribution<int> small(1, 100000), medium(100001, 3000000);
  for (int i = 0; i < 4; ++i) sizes.push_back(small(rng));
  sizes.push_back(medium(rng));
  sizes.push_back((1 << 24) + 7 + static_cast<int>(rng() % 1000));  // about 16.8 million
  std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
  for (int n : sizes) {
    const std::size_t total = static_cast<std::size_t>(n) + kGuard;
    std::vector<float> a(total), b(total);
    for (std::size_t i = 0; i < total; ++i) {
      a[i] = dist(rng);
      b[i] = dist(rng);
    }
    kio::Writer w;
    w.put<std::uint64_t>(static_cast<std::uint64_t>(n));
    w.put_vec(a);
    w.put_vec(b);
    cases.push_back(std::move(w.bytes));
  }
}

std::string kio_check(const std::string&, std::size_t, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader in(input), out(answer);
  const int n = static_cast<int>(in.get<std::uint64_t>());
  const std::vector<float> a = in.get_vec<float>();
  const std::vector<float> b = in.get_vec<float>();
  const std::vector<float> c = out.get_vec<float>();
  const std::size_t total = a.size();
  if (!out.ok || c.size() != total) return "n=" + std::to_string(n) + ": the answer has " + std::to_string(c.size()) + " elements, expected " + std::to_string(total);
  char buf[256];
  for (int i = 0; i < n; ++i) {
    const float expected = a[i] + b[i];
    const float tol = 1e-6f * (std::fabs(a[i]) + std::fabs(b[i])) + 1e-30f;
    if (!(std::fabs(c[i] - expected) <= tol)) {  // also catches NaN (never written)
      std::snprintf(buf, sizeof buf, "n=%d: c[%d] = %.9g, expected %.9g (a=%.9g, b=%.9g)", n, i, c[i], expected, a[i], b[i]);
      return buf;
    }
  }
  for (std::size_t i = static_cast<std::size_t>(n); i < total; ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &c[i], sizeof bits);
    if (bits != kSentinel) {
      std::snprintf(buf, sizeof buf, "n=%d: wrote c[%zu] = %.9g, past the end of the output", n, i, c[i]);
      return buf;
    }
  }
  return "";
}

KISYSTEM_CHECKER_MAIN("vector_add", 1, 2)
