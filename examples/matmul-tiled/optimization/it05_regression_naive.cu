// Iteration 5: REGRESSION. "Simpler is faster": a naive kernel without shared memory, one thread
// per element of C, with threadIdx.x walking the rows (uncoalesced loads of A, strided stores).
// Correct, but expect it several times slower than iteration 4 (well over 30 %; unmeasured).
#include <cuda_runtime.h>

#include "matmul.h"

#define BLOCK 32

// One thread per element of C, no shared memory. threadIdx.x walks the rows of C: the 32 threads of
// a warp read A from 32 different rows at once and write C with a stride of N.
__global__ void matmul_naive(const float* A, const float* B, float* C, int M, int N, int K) {
  const int row = blockIdx.x * BLOCK + threadIdx.x;
  const int col = blockIdx.y * BLOCK + threadIdx.y;
  if (row < M && col < N) {
    float sum = 0.0f;
    for (int k = 0; k < K; ++k) {
      sum += A[row * K + k] * B[k * N + col];
    }
    C[row * N + col] = sum;
  }
}

void matmul(const float* A, const float* B, float* C, int M, int N, int K) {
  dim3 block(BLOCK, BLOCK);
  dim3 grid((M + BLOCK - 1) / BLOCK, (N + BLOCK - 1) / BLOCK);
  matmul_naive<<<grid, block>>>(A, B, C, M, N, K);
}
