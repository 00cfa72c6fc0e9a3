// Trusted checker of the kisystem example task "matmul-tiled" (docs/task-authors.md). Built
// without the solution (host C++ only); runs outside the candidate's sandbox; the seed never
// reaches the candidate. Frames: see harness.cu.
//
// Test mode: several shapes (square, tile multiples, and shapes that are not multiples of 16 or 32)
// with random inputs; every element of C is compared with a CPU reference in double precision. The
// tolerance is relative to sum_k |A(i,k) * B(k,j)|, the natural scale of fp32 rounding error for that
// element. The guard of C must still hold the sentinel (a store outside C).
//
// Benchmark mode (the optimization phase, tier 0): M = N = K = 2048, fresh random inputs in [-1, 1]
// per frame: a warm-up frame (3 calls), then pairs of frames with 1 and 11 calls of matmul. The
// trusted driver times each answer; (time of 11 calls - time of 1 call) / 10 is one kernel time, free
// of the cost of moving the matrices. Each answer is spot-checked on its four corners and 12
// elements drawn from the seed (the candidate cannot know which), so a wrong or skipped computation
// fails the benchmark instead of giving a time.
#include "kisystem_io.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

struct Shape {
  int M, N, K;
};

static const std::uint32_t kSentinel = 0xFFFFFFFFu;  // bit pattern of C before the call (a NaN)
static const double kRelTol = 2e-4;                  // of sum_k |a * b|
static const double kAbsTol = 1e-6;
static const int kBenchSize = 2048;
static const int kBenchShortReps = 1;
static const int kBenchLongReps = 11;
static const int kBenchPairs = 5;
static const int kBenchRandomSamples = 12;  // besides the four corners of C

// Floats behind each matrix: enough for a kernel that runs whole 64 x 64 tiles past every edge.
static std::size_t guard_for(const Shape& s) {
  const std::size_t largest = static_cast<std::size_t>(std::max(s.M, std::max(s.N, s.K)));
  return 64 * (largest + 64) + 1024;
}

static std::vector<char> frame(const Shape& s, int reps, std::size_t guard, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> a(static_cast<std::size_t>(s.M) * s.K + guard), b(static_cast<std::size_t>(s.K) * s.N + guard);
  for (float& x : a) x = dist(rng);  // the guards get random values too
  for (float& x : b) x = dist(rng);
  kio::Writer w;
  w.put<std::uint32_t>(static_cast<std::uint32_t>(reps));
  w.put<std::uint64_t>(s.M);
  w.put<std::uint64_t>(s.N);
  w.put<std::uint64_t>(s.K);
  w.put<std::uint64_t>(guard);
  w.put_vec(a);
  w.put_vec(b);
  return std::move(w.bytes);
}

void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  if (mode == "bench") {
    const Shape s{kBenchSize, kBenchSize, kBenchSize};
    cases.push_back(frame(s, 3, 0, rng));  // warm-up
    for (int p = 0; p < kBenchPairs; ++p) {
      cases.push_back(frame(s, kBenchShortReps, 0, rng));
      cases.push_back(frame(s, kBenchLongReps, 0, rng));
    }
    return;
  }
  std::vector<Shape> shapes = {
      {1, 1, 1},    {16, 16, 16},  {32, 32, 32},   {64, 64, 64},   {17, 33, 45},
      {33, 17, 5},  {1, 300, 77},  {300, 1, 129},  {100, 100, 1},  {257, 129, 65},
      {48, 80, 112}, {31, 63, 95},
  };
  std::uniform_int_distribution<int> dim(1, 300), big(300, 600);
  for (int i = 0; i < 4; ++i) shapes.push_back({dim(rng), dim(rng), dim(rng)});
  shapes.push_back({big(rng), big(rng), big(rng)});
  for (const Shape& s : shapes) cases.push_back(frame(s, 1, guard_for(s), rng));
}

static std::string check_element(const Shape& s, const std::vector<float>& a, const std::vector<float>& b, const std::vector<float>& c, int i, int j) {
  double ref = 0.0, scale = 0.0;
  for (int k = 0; k < s.K; ++k) {
    const double p = static_cast<double>(a[static_cast<std::size_t>(i) * s.K + k]) * b[static_cast<std::size_t>(k) * s.N + j];
    ref += p;
    scale += std::fabs(p);
  }
  const float got = c[static_cast<std::size_t>(i) * s.N + j];
  const double tol = kRelTol * scale + kAbsTol;
  if (std::fabs(static_cast<double>(got) - ref) <= tol) return "";  // NaN (unwritten) fails
  char buf[256];
  std::snprintf(buf, sizeof buf, "M=%d N=%d K=%d: C[%d][%d] = %.7g, expected %.7g (tolerance %.2g)", s.M, s.N, s.K, i, j, got, ref, tol);
  return buf;
}

std::string kio_check(const std::string& mode, std::size_t index, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader in(input), out(answer);
  in.get<std::uint32_t>();
  Shape s;
  s.M = static_cast<int>(in.get<std::uint64_t>());
  s.N = static_cast<int>(in.get<std::uint64_t>());
  s.K = static_cast<int>(in.get<std::uint64_t>());
  const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
  const std::vector<float> a = in.get_vec<float>();
  const std::vector<float> b = in.get_vec<float>();
  const std::vector<float> c = out.get_vec<float>();
  const std::size_t size_c = static_cast<std::size_t>(s.M) * s.N;
  if (!out.ok || c.size() != size_c + guard) return "the answer has " + std::to_string(c.size()) + " elements, expected " + std::to_string(size_c + guard);
  if (mode == "bench") {
    // Which elements are checked is drawn from the secret seed (never from the input): the candidate cannot know.
    std::mt19937_64 pick = kio::check_rng(index);
    std::vector<std::pair<int, int>> samples = {{0, 0}, {0, s.N - 1}, {s.M - 1, 0}, {s.M - 1, s.N - 1}};
    std::uniform_int_distribution<int> row(0, s.M - 1), col(0, s.N - 1);
    for (int k = 0; k < kBenchRandomSamples; ++k) samples.push_back({row(pick), col(pick)});
    for (const auto& ij : samples) {
      const std::string why = check_element(s, a, b, c, ij.first, ij.second);
      if (!why.empty()) return "benchmark: " + why + ": no time is reported for a wrong kernel";
    }
    return "";
  }
  std::vector<double> ref(s.N), scale(s.N);
  char buf[256];
  for (int i = 0; i < s.M; ++i) {
    std::fill(ref.begin(), ref.end(), 0.0);
    std::fill(scale.begin(), scale.end(), 0.0);
    for (int k = 0; k < s.K; ++k) {
      const double aik = a[static_cast<std::size_t>(i) * s.K + k];
      const float* brow = &b[static_cast<std::size_t>(k) * s.N];
      for (int j = 0; j < s.N; ++j) {
        const double p = aik * brow[j];
        ref[j] += p;
        scale[j] += std::fabs(p);
      }
    }
    for (int j = 0; j < s.N; ++j) {
      const float got = c[static_cast<std::size_t>(i) * s.N + j];
      const double tol = kRelTol * scale[j] + kAbsTol;
      if (!(std::fabs(static_cast<double>(got) - ref[j]) <= tol)) {  // also catches NaN (unwritten)
        std::snprintf(buf, sizeof buf, "M=%d N=%d K=%d: C[%d][%d] = %.7g, expected %.7g (tolerance %.2g)", s.M, s.N, s.K, i, j, got, ref[j], tol);
        return buf;
      }
    }
  }
  for (std::size_t i = size_c; i < c.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &c[i], sizeof bits);
    if (bits != kSentinel) {
      std::snprintf(buf, sizeof buf, "M=%d N=%d K=%d: wrote element %zu of C (C has only %zu elements): a store outside the matrix", s.M, s.N, s.K, i, size_c);
      return buf;
    }
  }
  return "";
}

KISYSTEM_CHECKER_MAIN("matmul", kBenchShortReps, kBenchLongReps)
