// Iteration 11 (large): two accumulators over alternate groups of four taps, so consecutive
// additions no longer wait on each other; the two are added at the end of each output.
#include <xmmintrin.h>

#include "fir.h"

static inline float lane_sum(__m128 v) {
  const __m128 pairs = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  const int body8 = taps & ~7, body = taps & ~3;
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps();
    for (int k = 0; k < body8; k += 8) {
      a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(w + k)));
      a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_loadu_ps(h + k + 4), _mm_loadu_ps(w + k + 4)));
    }
    if (body8 != body) a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(h + body8), _mm_loadu_ps(w + body8)));
    float sum = lane_sum(_mm_add_ps(a0, a1));
    for (int k = body; k < taps; ++k) sum += h[k] * w[k];
    y[i] = sum;
  }
}
