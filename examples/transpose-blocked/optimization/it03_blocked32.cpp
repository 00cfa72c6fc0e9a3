// Iteration 3: 32 x 32 blocks: a block of in (32 lines) and a block of out (32 lines) stay in the
// L1 cache while it is transposed, so each cache line is fetched once instead of once per element.
// Expected: several times faster than the baseline.
#include <algorithm>

#include "transpose.h"

void transpose(const float* in, float* out, int rows, int cols) {
  const int B = 32;
  for (int r0 = 0; r0 < rows; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) out[static_cast<long>(c) * rows + r] = in[static_cast<long>(r) * cols + c];
    }
}
