// Iteration 2 (small): std::size_t indices, so no sign extension in the address arithmetic.
#include <cstddef>

#include "fir.h"

void fir(const float* __restrict__ x, const float* __restrict__ h, float* __restrict__ y, int n, int taps) {
  const std::size_t outputs = static_cast<std::size_t>(n), len = static_cast<std::size_t>(taps);
  for (std::size_t i = 0; i < outputs; ++i) {
    const float* w = x + i;
    float acc = 0.0f;
    for (std::size_t k = 0; k < len; ++k) acc += h[k] * w[k];
    y[i] = acc;
  }
}
