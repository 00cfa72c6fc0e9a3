// Iteration 3 (small): the tap loop walks two pointers to an end pointer instead of indexing.
#include "fir.h"

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  const float* const h_end = h + taps;
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    float acc = 0.0f;
    for (const float* c = h; c != h_end; ++c, ++w) acc += *c * *w;
    y[i] = acc;
  }
}
