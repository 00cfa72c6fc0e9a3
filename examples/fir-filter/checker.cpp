// Trusted checker of the kisystem example task "fir-filter" (README "Harness format"). Built
// without the solution (host C++ only); runs outside the candidate's sandbox; the seed never
// reaches the candidate. Frames: see harness.cpp.
//
// A float FIR's result depends on the order of its additions (SSE lanes and several accumulators
// add in another order than the plain loop), so each output is compared with a double-precision
// reference within a bound of the rounding such a sum can make: (taps + 8) float epsilons of the
// sum of the terms' magnitudes. A wrong tap, a reversed filter or a skipped output is off by far more.
//
// Test mode: filters from 1 tap to a few hundred, signals from 1 output to 65536 (lengths that are
// and are not multiples of 4, 8 or 16), random samples and taps in [-1, 1); every output is compared,
// and the guard behind y must still hold the sentinel.
//
// Benchmark mode (the optimization phase): kBenchN outputs of a kBenchTaps-tap filter (a longer
// signal than every test), fresh seeded samples per frame: a warm-up frame (1 call), then pairs of
// frames with kBenchShortReps and kBenchLongReps calls. The trusted driver times each answer;
// (long - short) / (kBenchLongReps - kBenchShortReps) is one call's time. A bench frame carries the
// seed of its input, not the input (kisystem_io.h, "Large benchmark data"); the answer is the whole
// output, of which the checker compares kSpotChecks outputs drawn from its secret seed (plus both
// ends, and the whole guard): a candidate cannot know which, so one that computes part of its
// output fails, while the check stays cheap next to the calls being timed.
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
  int n, taps;
};

static const std::uint32_t kSentinel = 0xFFFFFFFFu;  // bit pattern of the output before the call (a NaN)
static const int kGuard = 1024;                        // floats behind the output
static const int kBenchN = 131072;
static const int kBenchTaps = 256;
static const int kBenchShortReps = 1;
static const int kBenchLongReps = 31;
static const int kBenchPairs = 3;
static const int kSpotChecks = 4096;

// A test frame: the samples and taps themselves. A bench frame: the seed of both (never 0).
static std::vector<char> frame(const Shape& s, int reps, std::mt19937_64& rng, bool seeded) {
  kio::Writer w;
  w.put<std::uint32_t>(static_cast<std::uint32_t>(reps));
  w.put<std::uint64_t>(s.n);
  w.put<std::uint64_t>(s.taps);
  w.put<std::uint64_t>(kGuard);
  if (seeded) {
    w.put<std::uint64_t>(rng() | 1);
    w.put_vec(std::vector<float>());
    w.put_vec(std::vector<float>());
    return std::move(w.bytes);
  }
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<std::size_t>(s.n) + s.taps - 1), h(s.taps);
  for (float& v : x) v = dist(rng);
  for (float& v : h) v = dist(rng);
  w.put<std::uint64_t>(0);
  w.put_vec(x);
  w.put_vec(h);
  return std::move(w.bytes);
}

void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  if (mode == "bench") {
    const Shape s{kBenchN, kBenchTaps};
    cases.push_back(frame(s, 1, rng, true));  // warm-up
    for (int p = 0; p < kBenchPairs; ++p) {
      cases.push_back(frame(s, kBenchShortReps, rng, true));
      cases.push_back(frame(s, kBenchLongReps, rng, true));
    }
    return;
  }
  std::vector<Shape> shapes = {{1, 1},    {1, 7},     {5, 1},      {3, 4},      {16, 3},     {31, 5},      {64, 8},
                               {100, 17}, {257, 31},  {1000, 64},  {4096, 128}, {4099, 129}, {65536, 32}, {65533, 131}};
  std::uniform_int_distribution<int> len(1, 5000), taps(1, 300);
  for (int i = 0; i < 4; ++i) shapes.push_back({len(rng), taps(rng)});
  for (const Shape& s : shapes) cases.push_back(frame(s, 1, rng, false));
}

// The reference output i and the bound on the rounding of a float sum of the same terms.
struct Expected {
  double value, tolerance;
};

template <class X, class H>
static Expected expected(int i, int taps, X x, H h) {
  double sum = 0, magnitude = 0;
  for (int k = 0; k < taps; ++k) {
    const double term = static_cast<double>(h(k)) * x(i + k);
    sum += term;
    magnitude += std::fabs(term);
  }
  return {sum, (taps + 8) * 1.1920929e-7 * magnitude + 1e-30};
}

static std::string mismatch(const Shape& s, int i, float got, const Expected& e, const char* hint) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "n = %d, taps = %d: y[%d] = %.9g, expected %.9g (within %.3g)%s", s.n, s.taps, i, got, e.value, e.tolerance, hint);
  return buf;
}

static bool close(float got, const Expected& e) { return std::fabs(static_cast<double>(got) - e.value) <= e.tolerance; }

static std::string guard_intact(const Shape& s, const std::vector<float>& y) {
  for (std::size_t i = static_cast<std::size_t>(s.n); i < y.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &y[i], sizeof bits);
    if (bits != kSentinel) {
      char buf[200];
      std::snprintf(buf, sizeof buf, "n = %d, taps = %d: wrote y[%zu] (y has only %d outputs): a store outside y", s.n, s.taps, i, s.n);
      return buf;
    }
  }
  return "";
}

std::string kio_check(const std::string&, std::size_t index, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader in(input), out(answer);
  in.get<std::uint32_t>();
  Shape s;
  s.n = static_cast<int>(in.get<std::uint64_t>());
  s.taps = static_cast<int>(in.get<std::uint64_t>());
  const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
  const std::uint64_t input_seed = in.get<std::uint64_t>();
  const std::vector<float> y = out.get_vec<float>();
  if (!out.ok || y.size() != static_cast<std::size_t>(s.n) + guard) {
    return "the answer has " + std::to_string(y.size()) + " floats, expected " + std::to_string(static_cast<std::size_t>(s.n) + guard);
  }
  const std::string outside = guard_intact(s, y);
  if (!outside.empty()) return outside;
  if (input_seed != 0) {
    const std::uint64_t samples = static_cast<std::uint64_t>(s.n) + s.taps - 1;
    auto x = [&](int i) { return kio::seeded_float(input_seed, static_cast<std::uint64_t>(i), -1.0f, 1.0f); };
    auto h = [&](int k) { return kio::seeded_float(input_seed, samples + static_cast<std::uint64_t>(k), -1.0f, 1.0f); };
    std::mt19937_64 pick = kio::check_rng(index);
    std::uniform_int_distribution<int> at(0, s.n - 1);
    for (int c = 0; c < kSpotChecks + 32; ++c) {
      const int i = c < 16 ? c : c < 32 ? s.n - 1 - (c - 16) : at(pick);  // both ends, then drawn at random
      if (i < 0 || i >= s.n) continue;
      const Expected e = expected(i, s.taps, x, h);
      if (!close(y[i], e)) return "benchmark: " + mismatch(s, i, y[i], e, "; every test signal is shorter, so look at what only long signals do: no time is reported for a wrong answer");
    }
    return "";
  }
  const std::vector<float> xs = in.get_vec<float>();
  const std::vector<float> hs = in.get_vec<float>();
  auto x = [&](int i) { return xs[static_cast<std::size_t>(i)]; };
  auto h = [&](int k) { return hs[static_cast<std::size_t>(k)]; };
  for (int i = 0; i < s.n; ++i) {
    const Expected e = expected(i, s.taps, x, h);
    if (!close(y[i], e)) return mismatch(s, i, y[i], e, "");
  }
  return "";
}

KISYSTEM_CHECKER_MAIN("fir", kBenchShortReps, kBenchLongReps)
