// Iteration 7 (WRONG, fast): iteration 6 without its scalar tail: the last taps % 4 taps are dropped
// ("the benchmark's filter has a multiple of 4 taps"); the tests' filters of 1, 3, 5, 17 ... taps fail.
#include <xmmintrin.h>

#include "fir.h"

void fir(const float* x, const float* h, float* y, int n, int taps) {
  for (int i = 0; i < n; ++i) {
    __m128 acc = _mm_setzero_ps();
    for (int k = 0; k + 4 <= taps; k += 4) acc = _mm_add_ps(acc, _mm_mul_ps(_mm_loadu_ps(h + k), _mm_loadu_ps(x + i + k)));
    float lanes[4];
    _mm_storeu_ps(lanes, acc);
    y[i] = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  }
}
