#include <cuda_runtime.h>

#include "vector_add.h"

__global__ void vector_add_kernel(const float* a, const float* b, float* c, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i <= n) {  // bug: must be i < n; thread n writes c[n], one past the end
    c[i] = a[i] + b[i];
  }
}

void vector_add(const float* a, const float* b, float* c, int n) {
  const int threads = 256;
  const int blocks = (n + threads - 1) / threads;
  vector_add_kernel<<<blocks, threads>>>(a, b, c, n);
}
