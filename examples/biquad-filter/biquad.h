// biquad.h: the interface of the kisystem example task "biquad-filter".
//
// Implement both functions in biquad.cpp.
#pragma once

#include <cstddef>

// Coefficients of one biquad section, normalized so that a0 == 1. Transfer function:
//   H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)
// Difference equation:
//   y[n] = b0 x[n] + b1 x[n-1] + b2 x[n-2] - a1 y[n-1] - a2 y[n-2]
struct BiquadCoeffs {
  double b0, b1, b2, a1, a2;
};

// The filter memory, carried from one biquad_process call to the next. BiquadState{} (all zeros)
// means silence before the first sample. Use the fields your structure needs and leave the others
// alone: Direct Form I keeps x1 = x[n-1], x2 = x[n-2], y1 = y[n-1], y2 = y[n-2]; Transposed
// Direct Form II keeps its two state variables in s1 and s2.
struct BiquadState {
  double x1 = 0.0, x2 = 0.0;
  double y1 = 0.0, y2 = 0.0;
  double s1 = 0.0, s2 = 0.0;
};

// Low-pass coefficients from Robert Bristow-Johnson's "Audio EQ Cookbook":
//   w0 = 2 * pi * cutoff_hz / sample_rate,  alpha = sin(w0) / (2 * q)
//   b0 = (1 - cos(w0)) / 2,  b1 = 1 - cos(w0),  b2 = (1 - cos(w0)) / 2
//   a0 = 1 + alpha,          a1 = -2 * cos(w0), a2 = 1 - alpha
// returned divided by a0. Ranges: 8000 <= sample_rate <= 192000,
// 10 <= cutoff_hz <= 0.45 * sample_rate, 0.3 <= q <= 10.
BiquadCoeffs lowpass_coeffs(double sample_rate, double cutoff_hz, double q);

// Filters n samples: out[i] = the filter's output for input in[i], continuing from state and
// leaving state ready for the next call, so that a signal processed in several calls gives exactly
// the output of one call over the whole signal. Compute in double precision; the results are
// rounded to float only when stored in out. in and out may be the same buffer (in-place). n may be
// 0 (then in and out may be null and nothing changes). The coefficients can be any stable biquad,
// not only the ones lowpass_coeffs returns.
void biquad_process(const BiquadCoeffs& c, const float* in, float* out, std::size_t n,
                    BiquadState& state);
