/** The categorizer's table of CUDA runtime errors with their advice, and how an error name reads. */
import type { Severity } from '../../run-types';

/** How a CUDA runtime error line reads: by error name, or by its message on a line that mentions CUDA. */
export interface CudaErrorKind {
  names: readonly string[];
  message: string;
  rule: string;
  severity: Severity;
  recoverable?: boolean;
  hint: string;
}

export const OUT_OF_BOUNDS_ADVICE =
  'guard every index with if (i < n), check the grid-size and index arithmetic, and pass device (not host) pointers to kernels.';

/** The CUDA runtime errors we give specific advice for; any other cudaError* falls back to `cuda-error`. */
export const CUDA_ERRORS: readonly CudaErrorKind[] = [
  {
    names: ['cudaErrorIllegalAddress', 'CUDA_ERROR_ILLEGAL_ADDRESS'],
    message: 'an illegal memory access was encountered',
    rule: 'cuda-illegal-address',
    severity: 3,
    hint: `A kernel accessed memory out of bounds (an illegal memory access): ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorInvalidAddressSpace', 'CUDA_ERROR_INVALID_ADDRESS_SPACE'],
    message: 'operation not supported on global/shared address space',
    rule: 'cuda-invalid-address-space',
    severity: 3,
    hint: `A kernel accessed an address far outside its buffers (invalid address space): ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorInvalidConfiguration', 'CUDA_ERROR_INVALID_CONFIGURATION'],
    message: 'invalid configuration argument',
    rule: 'cuda-bad-launch',
    severity: 3,
    hint: 'The kernel launch configuration is invalid: use at most 1024 threads per block (blockDim.x*y*z <= 1024), a non-zero grid, and dynamic shared memory within the limit.',
  },
  {
    names: ['cudaErrorInvalidValue', 'CUDA_ERROR_INVALID_VALUE'],
    message: 'invalid argument',
    rule: 'cuda-invalid-value',
    severity: 3,
    hint: 'A CUDA call got an invalid argument: for a kernel launch use at most 1024 threads per block (blockDim.x*y*z <= 1024) and a non-zero grid; for cudaMemcpy/cudaMalloc check sizes in bytes, pointers and the copy direction.',
  },
  {
    names: ['cudaErrorLaunchOutOfResources', 'CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES'],
    message: 'too many resources requested for launch',
    rule: 'cuda-launch-resources',
    severity: 3,
    hint: 'The kernel needs more registers or shared memory than a block can have: use fewer threads per block (e.g. 256) or fewer registers and less shared memory per thread.',
  },
  {
    names: ['cudaErrorMisalignedAddress', 'CUDA_ERROR_MISALIGNED_ADDRESS'],
    message: 'misaligned address',
    rule: 'cuda-misaligned-address',
    severity: 3,
    hint: 'A kernel used a misaligned address: vector loads (float4, int2) and reinterpret_casts need addresses aligned to their size.',
  },
  {
    names: ['cudaErrorAssert', 'CUDA_ERROR_ASSERT'],
    message: 'device-side assert triggered',
    rule: 'cuda-device-assert',
    severity: 3,
    hint: 'An assert() in device code failed: the kernel reached a state its own checks forbid; check indices and inputs.',
  },
  {
    names: ['cudaErrorMemoryAllocation', 'CUDA_ERROR_OUT_OF_MEMORY'],
    message: 'out of memory',
    rule: 'cuda-out-of-memory',
    severity: 3,
    hint: 'GPU memory ran out: allocate only what the task needs (check sizes in bytes, not elements squared) and free buffers allocated in loops.',
  },
  {
    names: ['cudaErrorLaunchTimeout', 'CUDA_ERROR_LAUNCH_TIMEOUT'],
    message: 'the launch timed out and was terminated',
    rule: 'cuda-launch-timeout',
    severity: 4,
    hint: 'A kernel ran so long that the driver stopped it: look for an infinite loop or a deadlock in the kernel.',
  },
  {
    names: ['cudaErrorLaunchFailure', 'CUDA_ERROR_LAUNCH_FAILED'],
    message: 'unspecified launch failure',
    rule: 'cuda-launch-failure',
    severity: 3,
    hint: `A kernel crashed (unspecified launch failure), usually by an out-of-bounds access: ${OUT_OF_BOUNDS_ADVICE}`,
  },
  {
    names: ['cudaErrorNoDevice', 'cudaErrorInsufficientDriver', 'CUDA_ERROR_NO_DEVICE'],
    message: 'no CUDA-capable device is detected',
    rule: 'cuda-no-device',
    severity: 5,
    recoverable: false,
    hint: 'No usable GPU on this machine (no device or a driver too old); no model can fix this, the machine needs a person.',
  },
];

export const CUDA_ERROR_NAME = /\b(cudaError[A-Z]\w*|CUDA_ERROR_[A-Z_]+)\b/;
