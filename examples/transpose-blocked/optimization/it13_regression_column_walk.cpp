// Iteration 13: REGRESSION on purpose (correct but much slower). "Stores in order are cheaper": the
// loops are swapped, so out is written row by row and in is read down its columns, one new cache
// line per load, without any blocking: as slow as the baseline or slower.
#include "transpose.h"

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  for (int c = 0; c < cols; ++c) {
    float* dst = out + static_cast<long>(c) * rows;
    for (int r = 0; r < rows; ++r) dst[r] = in[static_cast<long>(r) * cols + c];
  }
}
