// Iteration 6 (large): SSE over the taps, four multiply-adds per instruction, the leftover taps
// (taps % 4) in scalar code, the four lanes added at the end of each output.
#include <xmmintrin.h>

#include "fir.h"

void fir(const float* x, const float* h, float* y, int n, int taps) {
  const int body = taps & ~3;
  for (int i = 0; i < n; ++i) {
    __m128 acc = _mm_setzero_ps();
    for (int k = 0; k < body; k += 4) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(x + i + k)));
    float lanes[4];
    _mm_storeu_ps(lanes, acc);
    float sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    for (int k = body; k < taps; ++k) sum += h[k] * x[i + k];
    y[i] = sum;
  }
}
