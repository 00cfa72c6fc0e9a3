#include "biquad.h"

#include <cmath>

BiquadCoeffs lowpass_coeffs(double sample_rate, double cutoff_hz, double q) {
  const double w0 = 2.0 * 3.14159265358979323846 * cutoff_hz / sample_rate;
  const double cos_w0 = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * q);
  const double a0 = 1.0 + alpha;
  return BiquadCoeffs{(1.0 - cos_w0) / 2.0 / a0, (1.0 - cos_w0) / a0, (1.0 - cos_w0) / 2.0 / a0,
                      -2.0 * cos_w0 / a0, (1.0 - alpha) / a0};
}

// Bug: the filter memory starts from zero on every call and is never written back to state, so
// a signal processed in several blocks restarts the filter at each block boundary.
void biquad_process(const BiquadCoeffs& c, const float* in, float* out, std::size_t n,
                    BiquadState& state) {
  (void)state;
  double x1 = 0.0, x2 = 0.0, y1 = 0.0, y2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double x = in[i];
    const double y = c.b0 * x + c.b1 * x1 + c.b2 * x2 - c.a1 * y1 - c.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] = static_cast<float>(y);
  }
}
