// Iteration 5 (small): the taps copied once per call into a local buffer "so they stay in the cache".
#include <vector>

#include "fir.h"

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  const std::vector<float> local(h, h + taps);
  const float* const c = local.data();
  for (int i = 0; i < n; ++i) {
    const float* w = x + i;
    float acc = 0.0f;
    for (int k = taps - 1; k >= 0; --k) acc += c[k] * w[k];
    y[i] = acc;
  }
}
