// Candidate side of the kisystem example task "transpose-blocked" (README "Harness format").
//
// For each input frame from the trusted checker (checker.cpp: built without the solution, run
// outside this program's sandbox) it fills the output and a guard region behind it with a sentinel,
// calls the candidate's transpose `reps` times, and answers with the whole output, guard included,
// so that the checker also sees a store outside the matrix. It never judges and never times: the
// verdict and the benchmark's times come from the trusted side, which times each answer from
// outside and subtracts a 1-call answer from a many-call answer of the same size.
//
//   ./candidate [--bench]   the same program for tests and benchmark (--bench is accepted and ignored)
//
// Input frame: u32 reps, u64 rows, u64 cols, u64 guard, u64 input_seed, vec<f32> in.
//   input_seed 0 (tests): in holds the rows * cols input; the answer is vec<f32> out (cols * rows + guard).
//   otherwise (benchmark): in is empty, the input is kio::seeded_floats(input_seed, rows * cols,
//   -1000, 1000), and the answer is the u64 kio::digest of the whole output (cols * rows + guard
//   floats), so a 16 MiB matrix costs the timed round trip a few bytes instead of 32 MiB.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "kisystem_io.h"
#include "transpose.h"

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
    const int rows = static_cast<int>(in.get<std::uint64_t>());
    const int cols = static_cast<int>(in.get<std::uint64_t>());
    const std::size_t guard = static_cast<std::size_t>(in.get<std::uint64_t>());
    const std::uint64_t input_seed = in.get<std::uint64_t>();
    const std::size_t size = static_cast<std::size_t>(rows) * cols;
    std::vector<float> a = in.get_vec<float>();
    if (input_seed != 0 && a.empty()) {
      a.resize(size);
      kio::seeded_floats(input_seed, a.data(), size, -1000.0f, 1000.0f);
    }
    if (!in.ok || a.size() != size) return 4;
    std::vector<float> out(size + guard);
    std::memset(out.data(), 0xFF, out.size() * sizeof(float));  // every word = the sentinel (a NaN)
    for (int r = 0; r < reps; ++r) transpose(a.data(), out.data(), rows, cols);
    kio::Writer w;
    if (input_seed == 0) w.put_vec(out);
    else w.put<std::uint64_t>(kio::digest(out.data(), out.size() * sizeof(float)));
    io.reply(w);
  }
  return 0;
}
