#include <cuda_runtime.h>

#include "vector_add.h"

__global__ void vector_add_kernel(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx;  // bug: threadIdx is a uint3, threadIdx.x was meant
  if (i < n) {
    c[i] = a[i] + b[i];
  }
}

void vector_add(const float* a, const float* b, float* c, int n) {
  int blocks = (n + 255) / 256;
  vector_add_kernel<<<blocks, 256>>>(a, b, c, n);
}
