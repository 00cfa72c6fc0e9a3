#include <cuda_runtime.h>

#include "vector_add.h"

// Grid-stride loop: a bounded grid, each thread handles several elements.
__global__ void vector_add_kernel(const float* __restrict__ a, const float* __restrict__ b,
                                  float* __restrict__ c, int n) {
  const long long stride = static_cast<long long>(blockDim.x) * gridDim.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    c[i] = a[i] + b[i];
  }
}

void vector_add(const float* a, const float* b, float* c, int n) {
  if (n <= 0) return;
  const int block = 256;
  int grid = (n + block - 1) / block;
  if (grid > 4096) grid = 4096;
  vector_add_kernel<<<grid, block>>>(a, b, c, n);
}
