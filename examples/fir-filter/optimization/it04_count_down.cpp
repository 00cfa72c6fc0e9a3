// Iteration 4 (small): the tap loop counts down to zero ("a compare against zero is free"); the
// products are added in the opposite order, which moves the result by rounding only.
#include "fir.h"

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    float acc = 0.0f;
    for (int k = taps - 1; k >= 0; --k) acc += h[k] * w[k];
    y[i] = acc;
  }
}
