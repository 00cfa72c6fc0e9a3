// matmul.h: the interface of the kisystem example task "matmul-tiled".
//
// Implement this function in matmul.cu, together with the __global__ kernel it launches.
#pragma once

// Computes C = A * B for row-major single-precision matrices:
//   A is M x K: element (i, k) is A[i * K + k]
//   B is K x N: element (k, j) is B[k * N + j]
//   C is M x N: element (i, j) is C[i * N + j] = sum over k of A[i * K + k] * B[k * N + j]
//
// - A, B and C are DEVICE pointers (allocated by the caller with cudaMalloc). C does not overlap
//   A or B.
// - 1 <= M, N, K <= 2048. None of them needs to be a multiple of the tile size (shapes such as
//   1 x 1 x 1 or 257 x 129 x 65 occur): guard every load and every store.
// - C holds garbage on entry: write every element of C[0 .. M*N-1], and nothing outside it.
//   Do not modify A or B.
// - Accumulate in fp32 (float) with ordinary multiply-adds; no TF32, half precision or libraries
//   (no cuBLAS). Results are compared with a relative tolerance.
// - Launch on the default stream. The function may return before the kernel has finished: the
//   caller synchronizes and checks for errors afterwards.
// - Do not allocate, copy or free memory, do not create streams, do not call cudaDeviceReset.
void matmul(const float* A, const float* B, float* C, int M, int N, int K);
