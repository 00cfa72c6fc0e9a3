// Does not compile on purpose: the loop variable c is used outside its loop.
#include "transpose.h"

void transpose(const float* in, float* out, int rows, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) out[static_cast<long>(c) * rows + r] = in[static_cast<long>(r) * cols + c];
  out[c] = 0.0f;
}
