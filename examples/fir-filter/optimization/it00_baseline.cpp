// Iteration 0, the baseline: the plain double loop, one output at a time, one multiply-add per tap.
#include "fir.h"

void fir(const float* x, const float* h, float* y, int n, int taps) {
  for (int i = 0; i < n; ++i) {
    float acc = 0.0f;
    for (int k = 0; k < taps; ++k) acc += h[k] * x[i + k];
    y[i] = acc;
  }
}
