// Iteration 10 (REGRESSION, correct): compensated (Kahan) summation of the SSE lanes "for accuracy".
// Each step now waits on the previous step's correction: a chain of four dependent additions per
// four taps instead of one, several times slower, for an accuracy the task does not ask for.
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
    __m128 sum = _mm_setzero_ps(), carry = _mm_setzero_ps();
    for (int k = 0; k < body; k += 4) {
      const __m128 term = _mm_sub_ps(_mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(w + k)), carry);
      const __m128 next = _mm_add_ps(sum, term);
      carry = _mm_sub_ps(_mm_sub_ps(next, sum), term);
      sum = next;
    }
    float total = lane_sum(sum);
    for (int k = body; k < taps; ++k) total += h[k] * w[k];
    y[i] = total;
  }
}
