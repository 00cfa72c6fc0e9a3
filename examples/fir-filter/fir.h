// Interface of the kisystem example task "fir-filter" (shown to the model).
#pragma once

// y = x filtered by the FIR taps h (a correlation, no reversal): for every i < n,
//   y[i] = h[0] * x[i] + h[1] * x[i + 1] + ... + h[taps - 1] * x[i + taps - 1].
// x holds n + taps - 1 samples, h holds taps coefficients, y holds n outputs; the three never
// overlap and are allocated by the caller.
void fir(const float* x, const float* h, float* y, int n, int taps);
