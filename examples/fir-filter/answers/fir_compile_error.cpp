// Does not compile on purpose: the accumulator is declared inside the tap loop and used after it.
#include "fir.h"

void fir(const float* x, const float* h, float* y, int n, int taps) {
  for (int i = 0; i < n; ++i) {
    for (int k = 0; k < taps; ++k) float acc = h[k] * x[i + k];
    y[i] = acc;
  }
}
