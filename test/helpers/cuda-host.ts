/** Whether this machine can build and run CUDA code, and if not, why (tests skip and say so). */
import { spawnSync } from 'node:child_process';

export function cudaHost(): { ok: boolean; why: string } {
  const nvcc = spawnSync('nvcc', ['--version']).status === 0;
  const gpu = spawnSync('nvidia-smi', ['-L']).status === 0;
  return { ok: nvcc && gpu, why: [nvcc ? '' : 'nvcc is missing', gpu ? '' : 'no NVIDIA GPU (nvidia-smi -L fails)'].filter(Boolean).join(' and ') };
}
