// Iteration 8 (small): iteration 6 with the window pointer hoisted, __restrict__ pointers, and the
// four lanes added in registers (movehl + shuffle) instead of through a store to memory.
#include <xmmintrin.h>

#include "fir.h"

static inline float lane_sum(__m128 v) {
  const __m128 pairs = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 1)));
}

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  const int body = taps & ~3;
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    __m128 acc = _mm_setzero_ps();
    for (int k = 0; k < body; k += 4) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(w + k)));
    float sum = lane_sum(acc);
    for (int k = body; k < taps; ++k) sum += h[k] * w[k];
    y[i] = sum;
  }
}
