#include <cuda_runtime.h>

#include "matmul.h"

__global__ void matmul_kernel(const float* A, const float* B, float* C, int M, int N, int K) {
  const int tile = blockDim.x;
  // bug: the size of a static __shared__ array must be a compile-time constant
  __shared__ float As[tile][tile];
  __shared__ float Bs[tile][tile];

  int tx = threadIdx.x, ty = threadIdx.y;
  int row = blockIdx.y * tile + ty;
  int col = blockIdx.x * tile + tx;

  float sum = 0.0f;
  for (int t = 0; t < (K + tile - 1) / tile; ++t) {
    As[ty][tx] = (row < M && t * tile + tx < K) ? A[row * K + t * tile + tx] : 0.0f;
    Bs[ty][tx] = (t * tile + ty < K && col < N) ? B[(t * tile + ty) * N + col] : 0.0f;
    __syncthreads();
    for (int k = 0; k < tile; ++k) sum += As[ty][k] * Bs[k][tx];
    __syncthreads();
  }
  if (row < M && col < N) C[row * N + col] = sum;
}

void matmul(const float* A, const float* B, float* C, int M, int N, int K) {
  dim3 block(16, 16);
  dim3 grid((N + 15) / 16, (M + 15) / 16);
  matmul_kernel<<<grid, block>>>(A, B, C, M, N, K);
}
