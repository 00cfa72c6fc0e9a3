// INCORRECT on purpose. Whole 32 x 32 blocks only ("the benchmark size is a multiple of
// 32"): the last rows and columns of a shape that is not a multiple of 32 are never written. Fast
// on the benchmark's shape, but the checker's tests compare every element: rejected, never timed.
#include "transpose.h"

void transpose(const float* in, float* out, int rows, int cols) {
  const int B = 32;
  for (int r0 = 0; r0 + B <= rows; r0 += B)
    for (int c0 = 0; c0 + B <= cols; c0 += B)
      for (int r = r0; r < r0 + B; ++r)
        for (int c = c0; c < c0 + B; ++c) out[static_cast<long>(c) * rows + r] = in[static_cast<long>(r) * cols + c];
}
