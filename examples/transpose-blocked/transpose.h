// Interface of the kisystem example task "transpose-blocked" (shown to the model).
#pragma once

// out = the transpose of in: in is rows x cols, out is cols x rows, both row-major and
// non-overlapping; out[c * rows + r] = in[r * cols + c] for every r < rows, c < cols.
void transpose(const float* in, float* out, int rows, int cols);
