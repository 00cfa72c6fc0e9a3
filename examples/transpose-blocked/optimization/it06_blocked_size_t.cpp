// Iteration 6: iteration 4 with std::size_t row offsets computed once per block row. Expected: small.
#include <algorithm>
#include <cstddef>

#include "transpose.h"

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  const int B = 32;
  const std::size_t stride_in = static_cast<std::size_t>(cols), stride_out = static_cast<std::size_t>(rows);
  for (int r0 = 0; r0 < rows; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      for (int r = r0; r < r1; ++r) {
        const float* src = in + r * stride_in;
        for (int c = c0; c < c1; ++c) out[c * stride_out + r] = src[c];
      }
    }
}
