// Test harness of the kisystem example task "biquad-filter".
//
// 1. lowpass_coeffs: compared with the cookbook formulas (reference below) on fixed and random
//    sample rates, cutoffs and Q values, with a relative tolerance per coefficient.
// 2. biquad_process: fed the harness's own coefficients (low-pass, high-pass, peaking; so that a
//    coefficient bug does not hide or cause a processing failure) and random signals (white
//    noise, sine, impulse, step), split into random blocks (sizes 0, 1, 2, ... up to the whole
//    signal), sometimes in place. The output is compared sample by sample with a reference that
//    runs Direct Form I in double precision over the whole signal at once.
//
// Output: the seed, then exactly one line "KISYSTEM_VERDICT: PASS" (exit 0) or
// "KISYSTEM_VERDICT: FAIL <reason>" (exit 1).
#include "biquad.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace reference {

const double kPi = 3.14159265358979323846;

struct Coeffs {
  double b0, b1, b2, a1, a2;
};

Coeffs normalize(double b0, double b1, double b2, double a0, double a1, double a2) {
  return {b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

Coeffs lowpass(double fs, double f0, double q) {
  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0), alpha = std::sin(w0) / (2.0 * q);
  return normalize((1.0 - cw) / 2.0, 1.0 - cw, (1.0 - cw) / 2.0, 1.0 + alpha, -2.0 * cw, 1.0 - alpha);
}

Coeffs highpass(double fs, double f0, double q) {
  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0), alpha = std::sin(w0) / (2.0 * q);
  return normalize((1.0 + cw) / 2.0, -(1.0 + cw), (1.0 + cw) / 2.0, 1.0 + alpha, -2.0 * cw, 1.0 - alpha);
}

Coeffs peaking(double fs, double f0, double q, double gain_db) {
  const double a = std::pow(10.0, gain_db / 40.0);
  const double w0 = 2.0 * kPi * f0 / fs;
  const double cw = std::cos(w0), alpha = std::sin(w0) / (2.0 * q);
  return normalize(1.0 + alpha * a, -2.0 * cw, 1.0 - alpha * a, 1.0 + alpha / a, -2.0 * cw, 1.0 - alpha / a);
}

// Direct Form I over the whole signal, in double.
std::vector<double> filter(const Coeffs& c, const std::vector<float>& in) {
  std::vector<double> out(in.size());
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const double x = in[i];
    const double y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = y;
  }
  return out;
}

}  // namespace reference

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

template <class... Args>
static std::string fmt(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

static int verdict_fail(const std::string& reason) {
  std::printf("KISYSTEM_VERDICT: FAIL %s\n", reason.c_str());
  std::fflush(stdout);
  return 1;
}

struct Params {
  double fs, f0, q;
};

static Params random_params(std::mt19937_64& rng) {
  static const double rates[] = {8000, 16000, 22050, 44100, 48000, 96000, 192000};
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Params p;
  p.fs = rates[rng() % 7];
  p.f0 = 10.0 * std::pow(0.45 * p.fs / 10.0, unit(rng));  // log-uniform in [10, 0.45 fs]
  p.q = 0.3 * std::pow(10.0 / 0.3, unit(rng));           // log-uniform in [0.3, 10]
  return p;
}

// Returns "" when lowpass_coeffs matches the reference for p.
static std::string check_coeffs(const Params& p) {
  const reference::Coeffs want = reference::lowpass(p.fs, p.f0, p.q);
  const BiquadCoeffs got = lowpass_coeffs(p.fs, p.f0, p.q);
  const char* names[] = {"b0", "b1", "b2", "a1", "a2"};
  const double w[] = {want.b0, want.b1, want.b2, want.a1, want.a2};
  const double g[] = {got.b0, got.b1, got.b2, got.a1, got.a2};
  for (int i = 0; i < 5; ++i) {
    if (!(std::fabs(g[i] - w[i]) <= 1e-6 * std::fabs(w[i]) + 1e-12)) {
      return fmt("lowpass_coeffs(fs=%g, fc=%.6g, q=%.4g): %s = %.10g, expected %.10g", p.fs, p.f0,
                 p.q, names[i], g[i], w[i]);
    }
  }
  return "";
}

static const char* kSignalNames[] = {"white noise", "sine", "impulse", "step"};

static std::vector<float> make_signal(int kind, std::size_t n, double fs, std::mt19937_64& rng) {
  std::vector<float> x(n, 0.0f);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  if (kind == 0) {
    for (float& v : x) v = static_cast<float>(2.0 * unit(rng) - 1.0);
  } else if (kind == 1) {
    const double f = 20.0 + unit(rng) * (0.45 * fs - 20.0), phase = unit(rng) * 6.283185307179586;
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<float>(0.8 * std::sin(6.283185307179586 * f * static_cast<double>(i) / fs + phase));
    }
  } else if (kind == 2) {
    x[0] = 1.0f;
  } else {
    for (float& v : x) v = 0.5f;
  }
  return x;
}

// Random block sizes that add up to n: many small ones (0, 1, 2, ...) and some large.
static std::vector<std::size_t> make_blocks(std::size_t n, std::mt19937_64& rng) {
  std::vector<std::size_t> blocks;
  std::size_t left = n;
  while (left > 0) {
    std::size_t b;
    switch (rng() % 4) {
      case 0: b = rng() % 3; break;                // 0, 1 or 2
      case 1: b = 1 + rng() % 16; break;
      case 2: b = 1 + rng() % 512; break;
      default: b = 1 + rng() % (left + 1); break;  // up to all that is left
    }
    b = std::min(b, left);
    blocks.push_back(b);
    left -= b;
  }
  return blocks;
}

static std::string describe_blocks(const std::vector<std::size_t>& blocks) {
  std::string s;
  for (std::size_t i = 0; i < blocks.size() && i < 6; ++i) s += (i ? "," : "") + std::to_string(blocks[i]);
  if (blocks.size() > 6) s += ",...";
  return s;
}

int main() {
  const unsigned long long seed = choose_seed();
  std::printf("seed: %llu (set KISYSTEM_SEED=%llu to repeat this run)\n", seed, seed);
  std::mt19937_64 rng(seed);

  // 1. Coefficients.
  std::vector<Params> coeff_cases = {{48000, 1000, 0.7071067811865476}, {44100, 440, 1.0}, {8000, 3500, 0.5},
                                     {192000, 10, 10}};
  for (int i = 0; i < 40; ++i) coeff_cases.push_back(random_params(rng));
  for (const Params& p : coeff_cases) {
    const std::string failure = check_coeffs(p);
    if (!failure.empty()) return verdict_fail(failure);
  }
  std::printf("ok lowpass_coeffs on %zu cases\n", coeff_cases.size());

  // 2. Processing, with the harness's own coefficients.
  for (int t = 0; t < 24; ++t) {
    const Params p = random_params(rng);
    const int type = t % 3;  // 0 low-pass, 1 high-pass, 2 peaking
    const double gain_db = -12.0 + 24.0 * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const reference::Coeffs rc = type == 0   ? reference::lowpass(p.fs, p.f0, p.q)
                                 : type == 1 ? reference::highpass(p.fs, p.f0, p.q)
                                             : reference::peaking(p.fs, p.f0, p.q, gain_db);
    const BiquadCoeffs c{rc.b0, rc.b1, rc.b2, rc.a1, rc.a2};
    const int kind = static_cast<int>(rng() % 4);
    const std::size_t n = 1 + rng() % 6000;
    const bool in_place = (t % 4) == 3;
    const std::vector<float> x = make_signal(kind, n, p.fs, rng);
    const std::vector<double> want = reference::filter(rc, x);
    const std::vector<std::size_t> blocks = t == 0 ? std::vector<std::size_t>{n} : make_blocks(n, rng);

    std::vector<float> out(n, 12345.0f);
    std::vector<float> buf = x;  // for in-place processing
    BiquadState state;
    std::size_t pos = 0;
    for (std::size_t b : blocks) {
      if (in_place) {
        biquad_process(c, buf.data() + pos, buf.data() + pos, b, state);
      } else {
        biquad_process(c, x.data() + pos, out.data() + pos, b, state);
      }
      pos += b;
    }
    if (in_place) out = buf;

    double peak = 0.0;
    for (double v : want) peak = std::max(peak, std::fabs(v));
    const double tol = 1e-5 * (1.0 + peak);
    for (std::size_t i = 0; i < n; ++i) {
      if (!(std::fabs(static_cast<double>(out[i]) - want[i]) <= tol)) {
        const char* type_name = type == 0 ? "low-pass" : type == 1 ? "high-pass" : "peaking";
        std::string reason = std::string("biquad_process (") + type_name +
                             fmt(" fs=%g fc=%.6g q=%.4g, ", p.fs, p.f0, p.q) + kSignalNames[kind] +
                             ", " + std::to_string(n) + " samples" + (in_place ? " in place" : "") +
                             ", blocks " + describe_blocks(blocks) + "): out[" + std::to_string(i) +
                             "]" + fmt(" = %.8g, expected %.8g", static_cast<double>(out[i]), want[i]);
        return verdict_fail(reason);
      }
    }
  }
  std::printf("ok biquad_process on 24 signals\n");
  std::printf("KISYSTEM_VERDICT: PASS\n");
  return 0;
}
