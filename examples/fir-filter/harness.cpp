// Candidate side of the kisystem example task "fir-filter" (README "Harness format").
//
// For each input frame from the trusted checker (checker.cpp: built without the solution, run
// outside this program's sandbox) it fills the output and a guard region behind it with a sentinel,
// calls the candidate's fir `reps` times, and answers with the whole output, guard included, so that
// the checker also sees a store outside y. It never judges and never times: the verdict and the
// benchmark's times come from the trusted side, which times each answer from outside and subtracts
// a 1-call answer from a many-call answer of the same size.
//
//   ./candidate [--bench]   the same program for tests and benchmark (--bench is accepted and ignored)
//
// Input frame: u32 reps, u64 n, u64 taps, u64 guard, u64 input_seed, vec<f32> x, vec<f32> h.
//   input_seed 0 (tests): x holds the n + taps - 1 samples and h the taps.
//   otherwise (benchmark): x and h are empty; the samples are kio::seeded_floats(input_seed, ...)
//   and the taps the seeded floats that follow them (checker.cpp checks against the same).
// Answer: vec<f32> y, n outputs then the guard (a few MiB at most: the checker spot-checks it).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fir.h"
#include "kisystem_io.h"

int main(int argc, char** argv) {
  if (argc > 2 || (argc == 2 && std::strcmp(argv[1], "--bench") != 0)) {
    std::fprintf(stderr, "usage: %s [--bench]  (reads input frames on stdin; README \"Harness format\")\n", argv[0]);
    return 2;
  }
  kio::Candidate io;
  std::vector<char> frame;
  while (io.next(frame)) {
    kio::Reader in(frame);
    const int reps = static_cast<int>(in.get<std::uint32_t>());
    const int n = static_cast<int>(in.get<std::uint64_t>());
    const int taps = static_cast<int>(in.get<std::uint64_t>());
    const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
    const std::uint64_t input_seed = in.get<std::uint64_t>();
    std::vector<float> x = in.get_vec<float>();
    std::vector<float> h = in.get_vec<float>();
    const std::size_t samples = static_cast<std::size_t>(n) + taps - 1;
    if (input_seed != 0 && x.empty() && h.empty()) {
      std::vector<float> both(samples + taps);
      kio::seeded_floats(input_seed, both.data(), both.size(), -1.0f, 1.0f);
      x.assign(both.begin(), both.begin() + samples);
      h.assign(both.begin() + samples, both.end());
    }
    if (!in.ok || n < 1 || taps < 1 || x.size() != samples || h.size() != static_cast<std::size_t>(taps)) return 4;
    std::vector<float> y(static_cast<std::size_t>(n) + guard);
    std::memset(y.data(), 0xFF, y.size() * sizeof(float));  // every word = the sentinel (a NaN)
    for (int r = 0; r < reps; ++r) fir(x.data(), h.data(), y.data(), n, taps);
    kio::Writer w;
    w.put_vec(y);
    io.reply(w);
  }
  return 0;
}
