// Iteration 4: iteration 3 with __restrict__ pointers and the row offsets hoisted. Expected: small.
#include <algorithm>

#include "transpose.h"

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  const int B = 32;
  for (int r0 = 0; r0 < rows; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      for (int r = r0; r < r1; ++r) {
        const float* src = in + static_cast<long>(r) * cols;
        for (int c = c0; c < c1; ++c) out[static_cast<long>(c) * rows + r] = src[c];
      }
    }
}
