// Iteration 12: iteration 9 with the row pointers hoisted out of the tile loop. Expected: small.
#include <algorithm>

#include <xmmintrin.h>

#include "transpose.h"

// One 4 x 4 tile: four rows of in loaded, transposed in registers, stored as four rows of out.
static inline void tile4(const float* in, float* out, long rows, long cols) {
  __m128 a = _mm_loadu_ps(in), b = _mm_loadu_ps(in + cols), c = _mm_loadu_ps(in + 2 * cols), d = _mm_loadu_ps(in + 3 * cols);
  _MM_TRANSPOSE4_PS(a, b, c, d);
  _mm_storeu_ps(out, a);
  _mm_storeu_ps(out + rows, b);
  _mm_storeu_ps(out + 2 * rows, c);
  _mm_storeu_ps(out + 3 * rows, d);
}

void transpose(const float* __restrict__ in, float* __restrict__ out, int rows, int cols) {
  const int B = 16;
  for (int r0 = 0; r0 < rows; r0 += B)
    for (int c0 = 0; c0 < cols; c0 += B) {
      const int r1 = std::min(r0 + B, rows), c1 = std::min(c0 + B, cols);
      int r = r0;
      for (; r + 4 <= r1; r += 4) {
        const float* src = in + static_cast<long>(r) * cols;
        float* dst = out + r;
        int c = c0;
        for (; c + 4 <= c1; c += 4) tile4(src + c, dst + static_cast<long>(c) * rows, rows, cols);
        for (; c < c1; ++c)
          for (int i = 0; i < 4; ++i) out[static_cast<long>(c) * rows + r + i] = in[static_cast<long>(r + i) * cols + c];
      }
      for (; r < r1; ++r)
        for (int c = c0; c < c1; ++c) out[static_cast<long>(c) * rows + r] = in[static_cast<long>(r) * cols + c];
    }
}
