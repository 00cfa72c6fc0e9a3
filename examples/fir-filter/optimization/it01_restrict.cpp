// Iteration 1 (small): __restrict__ pointers and the window's start hoisted out of the tap loop.
#include "fir.h"

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    float acc = 0.0f;
    for (int k = 0; k < taps; ++k) acc += h[k] * w[k];
    y[i] = acc;
  }
}
