/**
 * The recording that scripts/gpu/record-two-tier.ts writes on a GPU machine and that
 * scripts/bench-two-tier.ts --replay serves back to a real task workflow: what kisystem's host
 * activities returned for each kernel of the scripted optimization sequence.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullProfileResult, MicrobenchmarkResult } from '../../activities/profile';
import type { BuildResult, TestResult } from '../../activities/types';
import type { GpuInfo } from '../../activities/host-capabilities';
import type { Categorization } from '../../policy/run-types';
import { PROJECT_ROOT } from '../../runtime/settings';

/** The scripted model of the benchmark (scripted model server: tests and demos only, not a model). */
export const BENCH_MODEL = 'kisystem-bench-coder';
export const TWO_TIER_SCRIPT = join(PROJECT_ROOT, 'examples/matmul-tiled/optimization/two-tier-script.yaml');
export const TWO_TIER_TASK = join(PROJECT_ROOT, 'examples/matmul-tiled/task.yaml');

/** An activity that threw: its message and ApplicationFailure type. */
export interface RecordedError {
  error: string;
  type: string | null;
}

export interface KernelRecording {
  /** Position in the model's answers (0: the first answer, the baseline). */
  index: number;
  /** The script's label, e.g. `file it03_wrong_edges.cu`. */
  label: string;
  /** sha256 of the extracted solution file: how the replay recognises a candidate. */
  sha256: string;
  build: BuildResult | null;
  test: TestResult | null;
  /** null when the candidate passed its test. */
  categorization: Categorization | null;
  microbenchmark: MicrobenchmarkResult | RecordedError | null;
  fullProfile: FullProfileResult | RecordedError | null;
}

export interface TwoTierRecording {
  kind: 'kisystem-two-tier-recording';
  version: 1;
  recordedAt: string;
  host: { hostId: string; gpus: GpuInfo[]; nvcc: string | null; ncu: string | null; nsysWorks: boolean };
  task: string;
  model: string;
  kernels: KernelRecording[];
}

/** Reads and checks a recording; a file of another kind or version is refused with its path. */
export function readRecording(path: string): TwoTierRecording {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not a readable JSON file (${error instanceof Error ? error.message : error})`);
  }
  const r = data as Partial<TwoTierRecording>;
  if (r?.kind !== 'kisystem-two-tier-recording' || r.version !== 1) throw new Error(`${path}: not a two-tier recording of version 1 (kind ${String(r?.kind)}, version ${String(r?.version)})`);
  if (!Array.isArray(r.kernels) || r.kernels.length === 0) throw new Error(`${path}: kernels: none recorded`);
  r.kernels.forEach((k, i) => {
    if (typeof k?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(k.sha256)) throw new Error(`${path}: kernels.${i}.sha256: not a sha256`);
    if (!k.build) throw new Error(`${path}: kernels.${i}.build: missing`);
  });
  return r as TwoTierRecording;
}
