// A correct answer: the naive transpose. Reads in row by row and writes out column by
// column: every store lands 4 * rows bytes after the previous one, a new cache line each time.
#include "transpose.h"

void transpose(const float* in, float* out, int rows, int cols) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) out[static_cast<long>(c) * rows + r] = in[static_cast<long>(r) * cols + c];
}
