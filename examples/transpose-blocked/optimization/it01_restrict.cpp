// Iteration 1: the naive transpose with __restrict__ pointers and the row offset hoisted. Expected:
// small (the stores still land a new cache line each).
#include "transpose.h"

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    const float* src = in + static_cast<long>(r) * cols;
    for (int c = 0; c < cols; ++c) out[static_cast<long>(c) * rows + r] = src[c];
  }
}
