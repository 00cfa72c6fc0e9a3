// Iteration 5: computes only PART of its output on purpose. Iteration 4 plus a "chunked" path for
// large matrices whose chunk loop stops one chunk early: the last quarter of the rows of a matrix
// with 1536 rows or more is never transposed. Every test shape is smaller, so the tests pass; the
// benchmark's digest of the whole output differs from the right output's and rejects it.
#include <algorithm>

#include "transpose.h"

static void blocked(const float* __restrict__ in, float* __restrict__ out, int rows, int cols, int rBegin, int rEnd) {
  const int B = 32;
  for (int r0 = rBegin; r0 < rEnd; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rEnd), c1 = std::min(c0 + B, cols);
      for (int r = r0; r < r1; ++r) {
        const float* src = in + static_cast<long>(r) * cols;
        for (int c = c0; c < c1; ++c) out[static_cast<long>(c) * rows + r] = src[c];
      }
    }
}

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  if (rows < 1536) return blocked(in, out, rows, cols, 0, rows);
  const int chunks = 4, chunk = (rows + chunks - 1) / chunks;
  for (int k = 0; k + 1 < chunks; ++k) blocked(in, out, rows, cols, k * chunk, std::min(rows, (k + 1) * chunk));
}
