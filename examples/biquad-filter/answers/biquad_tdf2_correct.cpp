#include "biquad.h"

#include <cmath>

BiquadCoeffs lowpass_coeffs(double sample_rate, double cutoff_hz, double q) {
  const double pi = 3.14159265358979323846;
  const double w0 = 2.0 * pi * cutoff_hz / sample_rate;
  const double cos_w0 = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * q);

  const double b0 = (1.0 - cos_w0) / 2.0;
  const double b1 = 1.0 - cos_w0;
  const double b2 = (1.0 - cos_w0) / 2.0;
  const double a0 = 1.0 + alpha;
  const double a1 = -2.0 * cos_w0;
  const double a2 = 1.0 - alpha;

  return BiquadCoeffs{b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0};
}

// Transposed Direct Form II: two state variables, s1 and s2.
void biquad_process(const BiquadCoeffs& c, const float* in, float* out, std::size_t n,
                    BiquadState& state) {
  double s1 = state.s1;
  double s2 = state.s2;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = in[i];
    const double y = c.b0 * x + s1;
    s1 = c.b1 * x - c.a1 * y + s2;
    s2 = c.b2 * x - c.a2 * y;
    out[i] = static_cast<float>(y);
  }
  state.s1 = s1;
  state.s2 = s2;
}
