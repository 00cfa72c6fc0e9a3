// Correct and fast: SSE over the taps with two accumulators, the leftover taps in scalar code.
#include <xmmintrin.h>

#include "fir.h"

void fir(const float* x, const float* h, float* y, int n, int taps) {
  const int body8 = taps & ~7, body = taps & ~3;
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    __m128 a0 = _mm_setzero_ps(), a1 = _mm_setzero_ps();
    for (int k = 0; k < body8; k += 8) {
      a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(w + k)));
      a1 = _mm_add_ps(a1, _mm_mul_ps(_mm_loadu_ps(h + k + 4), _mm_loadu_ps(w + k + 4)));
    }
    if (body8 != body) a0 = _mm_add_ps(a0, _mm_mul_ps(_mm_loadu_ps(h + body8), _mm_loadu_ps(w + body8)));
    float lanes[4];
    _mm_storeu_ps(lanes, _mm_add_ps(a0, a1));
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (int k = body; k < taps; ++k) sum += h[k] * w[k];
    y[i] = sum;
  }
}
