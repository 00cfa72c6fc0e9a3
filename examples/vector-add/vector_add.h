// vector_add.h: the interface of the kisystem example task "vector-add".
//
// Implement this function in vector_add.cu, together with the __global__ kernel it launches.
#pragma once

// Computes c[i] = a[i] + b[i] for every 0 <= i < n, in single precision.
//
// - a, b and c are DEVICE pointers (allocated by the caller with cudaMalloc), each holding at
//   least n floats. c does not overlap a or b.
// - 1 <= n <= 100000000. n is often not a multiple of the block size, can be 1, and can be tens
//   of millions: size the grid from n and guard the index.
// - Write c[0] .. c[n-1] and nothing else; do not modify a or b.
// - Launch the kernel on the default stream. The function may return before the kernel has
//   finished: the caller synchronizes and checks for errors afterwards.
// - Do not allocate, copy or free memory, do not create streams, do not call cudaDeviceReset.
void vector_add(const float* a, const float* b, float* c, int n);
