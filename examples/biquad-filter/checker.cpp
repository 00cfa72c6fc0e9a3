// Trusted checker of the kisystem example task "biquad-filter" (docs/task-authors.md): makes the
// inputs from a seed the candidate never sees, holds the reference, and judges the candidate's answers.
// It is built without the solution and runs outside the candidate's sandbox.
//
// 1. lowpass_coeffs: compared with the cookbook formulas (reference below) on fixed and random
//    sample rates, cutoffs and Q values, with a relative tolerance per coefficient.
// 2. biquad_process: fed the checker's own coefficients (low-pass, high-pass, peaking; so that a
//    coefficient bug does not hide or cause a processing failure) and random signals (white
//    noise, sine, impulse, step), split into random blocks (sizes 0, 1, 2, ... up to the whole
//    signal), sometimes in place. The output is compared sample by sample with a reference that
//    runs Direct Form I in double precision over the whole signal at once.
//
// Frames (kisystem_io.h), the same layout in harness.cpp:
//   input  kind 0: u32 0, f64 fs, f64 fc, f64 q            answer: 5 x f64 (b0 b1 b2 a1 a2)
//   input  kind 1: u32 1, 5 x f64 coefficients, u32 in_place, vec<u64> blocks, vec<f32> x,
//                  then (ignored by the harness) u32 filter type, u32 signal kind, f64 fs, fc, q
//                                                            answer: vec<f32> out
#include "kisystem_io.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
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

template <class... Args>
static std::string fmt(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
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

void kio_cases(const std::string& mode, std::mt19937_64& rng, std::vector<std::vector<char>>& cases) {
  (void)mode;  // no benchmark for this task
  std::vector<Params> coeff_cases = {{48000, 1000, 0.7071067811865476}, {44100, 440, 1.0}, {8000, 3500, 0.5},
                                     {192000, 10, 10}};
  for (int i = 0; i < 40; ++i) coeff_cases.push_back(random_params(rng));
  for (const Params& p : coeff_cases) {
    kio::Writer w;
    w.put<std::uint32_t>(0);
    w.put(p.fs);
    w.put(p.f0);
    w.put(p.q);
    cases.push_back(w.bytes);
  }
  for (int t = 0; t < 24; ++t) {
    const Params p = random_params(rng);
    const int type = t % 3;  // 0 low-pass, 1 high-pass, 2 peaking
    const double gain_db = -12.0 + 24.0 * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const reference::Coeffs rc = type == 0   ? reference::lowpass(p.fs, p.f0, p.q)
                                 : type == 1 ? reference::highpass(p.fs, p.f0, p.q)
                                             : reference::peaking(p.fs, p.f0, p.q, gain_db);
    const int kind = static_cast<int>(rng() % 4);
    const std::size_t n = 1 + rng() % 6000;
    const bool in_place = (t % 4) == 3;
    const std::vector<float> x = make_signal(kind, n, p.fs, rng);
    const std::vector<std::size_t> blocks = t == 0 ? std::vector<std::size_t>{n} : make_blocks(n, rng);
    std::vector<std::uint64_t> b64(blocks.begin(), blocks.end());
    kio::Writer w;
    w.put<std::uint32_t>(1);
    for (double v : {rc.b0, rc.b1, rc.b2, rc.a1, rc.a2}) w.put(v);
    w.put<std::uint32_t>(in_place ? 1 : 0);
    w.put_vec(b64);
    w.put_vec(x);
    w.put<std::uint32_t>(static_cast<std::uint32_t>(type));
    w.put<std::uint32_t>(static_cast<std::uint32_t>(kind));
    w.put(p.fs);
    w.put(p.f0);
    w.put(p.q);
    cases.push_back(w.bytes);
  }
}

std::string kio_check(const std::string&, std::size_t, const std::vector<char>& input, const std::vector<char>& answer) {
  kio::Reader in(input), out(answer);
  if (in.get<std::uint32_t>() == 0) {
    Params p;
    p.fs = in.get<double>();
    p.f0 = in.get<double>();
    p.q = in.get<double>();
    const reference::Coeffs want = reference::lowpass(p.fs, p.f0, p.q);
    double g[5];
    for (double& v : g) v = out.get<double>();
    if (!out.ok) return "lowpass_coeffs: the answer is cut short";
    const char* names[] = {"b0", "b1", "b2", "a1", "a2"};
    const double w[] = {want.b0, want.b1, want.b2, want.a1, want.a2};
    for (int i = 0; i < 5; ++i) {
      if (!(std::fabs(g[i] - w[i]) <= 1e-6 * std::fabs(w[i]) + 1e-12)) {
        return fmt("lowpass_coeffs(fs=%g, fc=%.6g, q=%.4g): %s = %.10g, expected %.10g", p.fs, p.f0,
                   p.q, names[i], g[i], w[i]);
      }
    }
    return "";
  }
  reference::Coeffs rc;
  rc.b0 = in.get<double>();
  rc.b1 = in.get<double>();
  rc.b2 = in.get<double>();
  rc.a1 = in.get<double>();
  rc.a2 = in.get<double>();
  const bool in_place = in.get<std::uint32_t>() != 0;
  const std::vector<std::uint64_t> b64 = in.get_vec<std::uint64_t>();
  const std::vector<float> x = in.get_vec<float>();
  const int type = static_cast<int>(in.get<std::uint32_t>());
  const int kind = static_cast<int>(in.get<std::uint32_t>());
  Params p;
  p.fs = in.get<double>();
  p.f0 = in.get<double>();
  p.q = in.get<double>();
  const std::vector<std::size_t> blocks(b64.begin(), b64.end());
  const std::vector<float> got = out.get_vec<float>();
  const std::size_t n = x.size();
  const char* type_name = type == 0 ? "low-pass" : type == 1 ? "high-pass" : "peaking";
  const std::string what = std::string("biquad_process (") + type_name + fmt(" fs=%g fc=%.6g q=%.4g, ", p.fs, p.f0, p.q) +
                           kSignalNames[kind % 4] + ", " + std::to_string(n) + " samples" + (in_place ? " in place" : "") +
                           ", blocks " + describe_blocks(blocks) + ")";
  if (!out.ok || got.size() != n) return what + ": the answer has " + std::to_string(got.size()) + " samples";
  const std::vector<double> want = reference::filter(rc, x);
  double peak = 0.0;
  for (double v : want) peak = std::max(peak, std::fabs(v));
  const double tol = 1e-5 * (1.0 + peak);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= tol)) {
      return what + ": out[" + std::to_string(i) + "]" + fmt(" = %.8g, expected %.8g", static_cast<double>(got[i]), want[i]);
    }
  }
  return "";
}

KISYSTEM_CHECKER_MAIN("biquad_process", 1, 2)
