#include "biquad.h"

#include <cmath>

namespace {
const double kPi = 3.14159265358979323846;
}

BiquadCoeffs lowpass_coeffs(double sample_rate, double cutoff_hz, double q) {
  const double w0 = 2.0 * kPi * cutoff_hz / sample_rate;
  const double c = std::cos(w0);
  const double alpha = std::sin(w0) / (2.0 * q);
  const double inv_a0 = 1.0 / (1.0 + alpha);
  BiquadCoeffs k;
  k.b0 = 0.5 * (1.0 - c) * inv_a0;
  k.b1 = (1.0 - c) * inv_a0;
  k.b2 = k.b0;
  k.a1 = -2.0 * c * inv_a0;
  k.a2 = (1.0 - alpha) * inv_a0;
  return k;
}

// Direct Form I: remembers the last two inputs and the last two outputs.
void biquad_process(const BiquadCoeffs& k, const float* in, float* out, std::size_t n,
                    BiquadState& st) {
  for (std::size_t i = 0; i < n; ++i) {
    const double x = in[i];  // read before writing: in and out may alias
    const double y = k.b0 * x + k.b1 * st.x1 + k.b2 * st.x2 - k.a1 * st.y1 - k.a2 * st.y2;
    st.x2 = st.x1;
    st.x1 = x;
    st.y2 = st.y1;
    st.y1 = y;
    out[i] = static_cast<float>(y);
  }
}
