// Trusted checker of the kisystem example task "transpose-blocked" (README "Harness format"). Built
// without the solution (host C++ only); runs outside the candidate's sandbox; the seed never
// reaches the candidate. Frames: see harness.cpp.
//
// Test mode: shapes from 1 x 1 to about 1100 x 1100 (square, tall, wide, powers of two and odd
// sizes) with random inputs; every element is compared exactly (a transpose moves values, it does
// not round them), and the guard behind the output must still hold the sentinel.
//
// Benchmark mode (the optimization phase): a 2048 x 2048 matrix (16 MiB, larger than every test
// shape), fresh random values per frame: a warm-up frame (1 call), then pairs of frames with
// kBenchShortReps and kBenchLongReps calls. The trusted driver times each answer; (long - short) /
// (kBenchLongReps - kBenchShortReps) is one call's time. A bench frame carries the seed of its input,
// not the input, and the answer is the digest of the whole output (kisystem_io.h, "Large benchmark
// data"): every element is checked, so a wrong or partly skipped transpose fails the benchmark
// instead of giving a time, and the timed round trip moves a few bytes, not 32 MiB, so the timed run
// costs little more than its calls (tier 0 stays cheap next to cachegrind's tier 1).
//
// Frames: see harness.cpp (input_seed 0: the input follows and the answer is the whole output).
#include "kisystem_io.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

struct Shape {
  int rows, cols;
};

static const std::uint32_t kSentinel = 0xFFFFFFFFu;  // bit pattern of the output before the call (a NaN)
static const int kGuard = 4096;                        // floats behind the output
static const int kBenchSize = 2048;
static const int kBenchShortReps = 1;
static const int kBenchLongReps = 21;
static const int kBenchPairs = 2;

// A test frame: the input itself. A bench frame: the seed of its input (never 0).
static std::vector<char> frame(const Shape& s, int reps, std::size_t guard, std::mt19937_64& rng, bool seeded) {
  kio::Writer w;
  w.put<std::uint32_t>(static_cast<std::uint32_t>(reps));
  w.put<std::uint64_t>(s.rows);
  w.put<std::uint64_t>(s.cols);
  w.put<std::uint64_t>(guard);
  if (seeded) {
    w.put<std::uint64_t>(rng() | 1);
    w.put_vec(std::vector<float>());
    return std::move(w.bytes);
  }
  std::uniform_real_distribution<float> dist(-1000.0f, 1000.0f);
  std::vector<float> a(static_cast<std::size_t>(s.rows) * s.cols);
  for (float& x : a) x = dist(rng);
  w.put<std::uint64_t>(0);
  w.put_vec(a);
  return std::move(w.bytes);
}

void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  if (mode == "bench") {
    const Shape s{kBenchSize, kBenchSize};
    cases.push_back(frame(s, 1, 0, rng, true));  // warm-up
    for (int p = 0; p < kBenchPairs; ++p) {
      cases.push_back(frame(s, kBenchShortReps, 0, rng, true));
      cases.push_back(frame(s, kBenchLongReps, 0, rng, true));
    }
    return;
  }
  std::vector<Shape> shapes = {{1, 1},     {1, 7},     {7, 1},     {3, 5},      {16, 16},   {17, 33},  {64, 64},
                               {100, 37},  {37, 100},  {128, 256}, {257, 129},  {512, 512}, {1024, 1024}, {1000, 999}};
  std::uniform_int_distribution<int> dim(1, 1100);
  for (int i = 0; i < 4; ++i) shapes.push_back({dim(rng), dim(rng)});
  for (const Shape& s : shapes) cases.push_back(frame(s, 1, kGuard, rng, false));
}

static std::string mismatch(const Shape& s, int r, int c, float got, float want) {
  char buf[200];
  std::snprintf(buf, sizeof buf, "%d x %d: out[%d][%d] = %.9g, expected in[%d][%d] = %.9g", s.rows, s.cols, c, r, got, r, c, want);
  return buf;
}

// The digest of the right output of a bench frame, made from the input's seed in output order
// (no copy of the input is needed: element (r, c) of the input is seeded_float(seed, r * cols + c)).
static std::uint64_t expected_digest(const Shape& s, std::uint64_t input_seed) {
  std::vector<float> t(static_cast<std::size_t>(s.rows) * s.cols);
  for (int c = 0; c < s.cols; ++c) {
    for (int r = 0; r < s.rows; ++r) {
      t[static_cast<std::size_t>(c) * s.rows + r] = kio::seeded_float(input_seed, static_cast<std::uint64_t>(r) * s.cols + c, -1000.0f, 1000.0f);
    }
  }
  return kio::digest(t.data(), t.size() * sizeof(float));
}

std::string kio_check(const std::string&, std::size_t, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader in(input), out(answer);
  in.get<std::uint32_t>();
  Shape s;
  s.rows = static_cast<int>(in.get<std::uint64_t>());
  s.cols = static_cast<int>(in.get<std::uint64_t>());
  const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
  const std::uint64_t input_seed = in.get<std::uint64_t>();
  if (input_seed != 0) {
    const std::uint64_t got = out.get<std::uint64_t>();
    if (!out.ok || answer.size() != sizeof got) return "benchmark: the answer is " + std::to_string(answer.size()) + " bytes, expected the 8-byte digest of the output";
    if (got != expected_digest(s, input_seed)) {
      return "benchmark: the " + std::to_string(s.rows) + " x " + std::to_string(s.cols) +
             " transpose is wrong (the digest of its whole output differs from the right output's; every test shape is smaller, so "
             "look at what only large matrices do): no time is reported for a wrong transpose";
    }
    return "";
  }
  const std::vector<float> a = in.get_vec<float>();
  const std::vector<float> t = out.get_vec<float>();
  const std::size_t size = static_cast<std::size_t>(s.rows) * s.cols;
  if (!out.ok || t.size() != size + guard) return "the answer has " + std::to_string(t.size()) + " elements, expected " + std::to_string(size + guard);
  auto at = [&](int r, int c) { return std::make_pair(t[static_cast<std::size_t>(c) * s.rows + r], a[static_cast<std::size_t>(r) * s.cols + c]); };
  for (int r = 0; r < s.rows; ++r) {
    for (int c = 0; c < s.cols; ++c) {
      const auto gw = at(r, c);
      if (std::memcmp(&gw.first, &gw.second, sizeof(float)) != 0) return mismatch(s, r, c, gw.first, gw.second);
    }
  }
  for (std::size_t i = size; i < t.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &t[i], sizeof bits);
    if (bits != kSentinel) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "%d x %d: wrote element %zu of the output (it has only %zu): a store outside the matrix", s.rows, s.cols, i, size);
      return buf;
    }
  }
  return "";
}

KISYSTEM_CHECKER_MAIN("transpose", kBenchShortReps, kBenchLongReps)
