/**
 * `kisystem_io.h`, the header kisystem writes into every run folder and every checker folder: the
 * frames a trusted checker and a candidate program exchange (docs/task-authors.md, "Harness format").
 */
export const PROTOCOL_HEADER_NAME = 'kisystem_io.h';

export const PROTOCOL_HEADER = String.raw`// kisystem_io.h: written by kisystem into the run folder; do not edit (docs/task-authors.md, "Harness format").
//
// A candidate program (harness + solution) reads input frames on stdin and answers each with one
// output frame; it never sees the seed and never prints a verdict. A checker (checker*.cpp: the task's
// generator and reference, never the solution) makes the inputs from a seed and judges the outputs.
// A frame is a little-endian uint64 byte count followed by the bytes.
#pragma once
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include <unistd.h>

namespace kio {

inline bool read_all(int fd, void* p, std::size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    ssize_t r = ::read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

inline bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t r = ::write(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

inline bool read_frame(int fd, std::vector<char>& out) {
  std::uint64_t n = 0;
  if (!read_all(fd, &n, sizeof n)) return false;
  if (n > (std::uint64_t(1) << 34)) return false;
  out.resize(static_cast<std::size_t>(n));
  return n == 0 || read_all(fd, out.data(), out.size());
}

inline bool write_frame(int fd, const std::vector<char>& bytes) {
  std::uint64_t n = bytes.size();
  return write_all(fd, &n, sizeof n) && (n == 0 || write_all(fd, bytes.data(), bytes.size()));
}

// Appends plain values and vectors of plain values.
struct Writer {
  std::vector<char> bytes;
  template <class T> void put(const T& v) {
    const char* p = reinterpret_cast<const char*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
  template <class T> void put_vec(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    const char* p = reinterpret_cast<const char*>(v.data());
    bytes.insert(bytes.end(), p, p + v.size() * sizeof(T));
  }
};

// Reads what a Writer wrote; ok turns false (and stays false) on a short or malformed frame.
struct Reader {
  const std::vector<char>& bytes;
  std::size_t pos = 0;
  bool ok = true;
  explicit Reader(const std::vector<char>& b) : bytes(b) {}
  template <class T> T get() {
    T v{};
    if (!ok || bytes.size() - pos < sizeof(T)) { ok = false; return v; }
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  template <class T> std::vector<T> get_vec() {
    const std::uint64_t n = get<std::uint64_t>();
    if (!ok || n > (bytes.size() - pos) / sizeof(T)) { ok = false; return {}; }
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(v.data(), bytes.data() + pos, static_cast<std::size_t>(n) * sizeof(T));
    pos += static_cast<std::size_t>(n) * sizeof(T);
    return v;
  }
};

// The candidate side. Frames go over stdin and a private copy of stdout; from construction on,
// everything the program prints (printf, std::cout) goes to stderr, so no print can break a frame.
class Candidate {
 public:
  Candidate() : out_(::dup(1)) {
    ::dup2(2, 1);
    std::fflush(stdout);  // what was printed before (static initializers) goes to stderr too
  }
  // The next input frame; false at the end of the inputs (then return 0 from main).
  bool next(std::vector<char>& input) { return read_frame(0, input); }
  void reply(const Writer& w) {
    std::fflush(stdout);
    if (!write_frame(out_, w.bytes)) std::_Exit(3);
  }

 private:
  int out_;
};

// The checker's secret seed (set by KISYSTEM_CHECKER_MAIN), for check_rng.
inline std::uint64_t& secret_seed() {
  static std::uint64_t seed = 0;
  return seed;
}

// A random generator for the checker's own choices about case "index" (which elements a
// benchmark spot-checks): drawn from the secret seed, never from the input or the answer, so the
// candidate cannot know what is checked.
inline std::mt19937_64 check_rng(std::size_t index) {
  const std::uint64_t s = secret_seed();
  std::seed_seq seq{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(s >> 32), static_cast<std::uint32_t>(index),
                    static_cast<std::uint32_t>(static_cast<std::uint64_t>(index) >> 32), 0x6b696f63u};
  return std::mt19937_64(seq);
}

// Large benchmark data without moving it (docs/task-authors.md, "Large benchmark frames"): a bench
// frame carries a seed instead of megabytes of input, the harness fills its input with
// seeded_floats, and answers with the digest of its whole output instead of the output. The checker
// computes the same digest of the right output: every element is checked, and the timed round trip
// moves a few bytes, so the benchmark costs little more than its calls. Element i of a seeded input
// depends on (seed, i) only, so the checker can compute any element without making the rest.
inline std::uint64_t seeded_bits(std::uint64_t seed, std::uint64_t i) {
  std::uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;  // splitmix64 of the counter
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Element i of a seeded input: uniform in [lo, hi) with 24 random bits (exact in a float).
inline float seeded_float(std::uint64_t seed, std::uint64_t i, float lo, float hi) {
  return lo + (hi - lo) * (static_cast<float>(seeded_bits(seed, i) >> 40) * (1.0f / 16777216.0f));
}

inline void seeded_floats(std::uint64_t seed, float* out, std::size_t n, float lo, float hi) {
  for (std::size_t i = 0; i < n; ++i) out[i] = seeded_float(seed, i, lo, hi);
}

// A 64-bit digest of n bytes, sensitive to every byte and to its position: one wrong element of
// an answer changes it (each step is a bijection of the running value for a given word).
inline std::uint64_t digest(const void* p, std::size_t n) {
  const unsigned char* c = static_cast<const unsigned char*>(p);
  std::uint64_t h = 0x6b696f2d64696773ull ^ n;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, c + i, 8);
    h = ((h << 23) | (h >> 41)) ^ w;
    h *= 0x9E3779B97F4A7C15ull;
  }
  for (; i < n; ++i) h = (h ^ c[i]) * 0x100000001B3ull;
  return h ^ (h >> 29);
}

}  // namespace kio

// The checker side: a checker defines these two functions and KISYSTEM_CHECKER_MAIN() once.
//  kio_cases(mode, rng, cases): the input frames for mode "test" or "bench", drawn from rng.
//    For "bench", cases[0] is a warm-up and then come pairs (short, long) of the same size whose
//    repetition counts are kio_bench_reps(); the trusted driver times each frame's round trip.
//  kio_check(mode, index, input, output): "" when output is right for input, else the reason. A
//    check that looks at part of an answer only picks that part with kio::check_rng(index).
void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases);
std::string kio_check(const std::string& mode, std::size_t index, const std::vector<char>& input, const std::vector<char>& output);

#define KISYSTEM_CHECKER_MAIN(KERNEL_NAME, SHORT_REPS, LONG_REPS)                                       \
  int main(int argc, char** argv) {                                                                    \
    if (argc != 4) { std::fprintf(stderr, "usage: checker cases|verify test|bench SEED\n"); return 2; } \
    const std::string what = argv[1], mode = argv[2];                                                   \
    kio::secret_seed() = std::strtoull(argv[3], nullptr, 10);                                           \
    std::mt19937_64 rng(kio::secret_seed());                                                            \
    std::vector<std::vector<char>> cases;                                                               \
    kio_cases(mode, rng, cases);                                                                        \
    if (what == "cases") {                                                                              \
      std::printf("KIO_CASES count=%zu kernel=%s short=%d long=%d\n", cases.size(), KERNEL_NAME,        \
                  static_cast<int>(SHORT_REPS), static_cast<int>(LONG_REPS));                          \
      std::fflush(stdout);                                                                              \
      for (const auto& c : cases) if (!kio::write_frame(1, c)) return 2;                                \
      return 0;                                                                                         \
    }                                                                                                   \
    std::vector<char> out;                                                                              \
    for (std::size_t i = 0; i < cases.size(); ++i) {                                                    \
      if (!kio::read_frame(0, out)) {                                                                   \
        std::printf("KISYSTEM_VERDICT: FAIL no answer for case %zu of %zu\n", i + 1, cases.size());    \
        return 1;                                                                                       \
      }                                                                                                 \
      const std::string why = kio_check(mode, i, cases[i], out);                                        \
      if (!why.empty()) {                                                                               \
        std::printf("KISYSTEM_VERDICT: FAIL case %zu: %s\n", i + 1, why.c_str());                     \
        return 1;                                                                                       \
      }                                                                                                 \
    }                                                                                                   \
    std::printf("KISYSTEM_VERDICT: PASS\n");                                                            \
    return 0;                                                                                           \
  }
`;
