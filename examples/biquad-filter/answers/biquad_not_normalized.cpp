#include "biquad.h"

#include <cmath>

// Bug: the cookbook coefficients are returned as they are, not divided by a0 = 1 + alpha.
BiquadCoeffs lowpass_coeffs(double sample_rate, double cutoff_hz, double q) {
  const double w0 = 2.0 * M_PI * cutoff_hz / sample_rate;
  const double cos_w0 = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * q);

  BiquadCoeffs c;
  c.b0 = (1.0 - cos_w0) / 2.0;
  c.b1 = 1.0 - cos_w0;
  c.b2 = (1.0 - cos_w0) / 2.0;
  c.a1 = -2.0 * cos_w0;
  c.a2 = 1.0 - alpha;
  return c;
}

void biquad_process(const BiquadCoeffs& c, const float* in, float* out, std::size_t n,
                    BiquadState& state) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = in[i];
    const double y = c.b0 * x + state.s1;
    state.s1 = c.b1 * x - c.a1 * y + state.s2;
    state.s2 = c.b2 * x - c.a2 * y;
    out[i] = static_cast<float>(y);
  }
}
