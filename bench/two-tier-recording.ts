/**
 * The recording that scripts/gpu/record-two-tier.ts writes on a GPU machine and that
 * scripts/bench-two-tier.ts --replay serves back to a real task workflow: what kisystem's host
 * activities returned for each kernel of the scripted optimization sequence.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FullProfileResult, MicrobenchmarkResult } from '../contracts/profile-types';
import type { BuildResult, TestResult } from '../contracts/activity-types';
import type { GpuInfo, HostCapabilities } from '../activities/host-capabilities';
import { extractFiles, type ExtractedFile } from '../policy/parsers/extract-code';
import type { Categorization } from '../policy/run-types';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { PROJECT_ROOT } from '../runtime/settings';
import { loadModelScripts } from '../scripted-model-server/scripts';

/** The scripted model of the benchmark (scripted model server: tests and demos only, not a model). */
export const BENCH_MODEL = 'kisystem-bench-coder';
export const TWO_TIER_SCRIPT = join(PROJECT_ROOT, 'examples/matmul-tiled/optimization/two-tier-script.yaml');
export const TWO_TIER_TASK = join(PROJECT_ROOT, 'examples/matmul-tiled/task.yaml');

/** An example built for the benchmark: its task file and its scripted sequence (`optimization/two-tier-script.yaml`). */
export function twoTierExample(taskId: string): { task: string; script: string } {
  return { task: join(PROJECT_ROOT, 'examples', taskId, 'task.yaml'), script: join(PROJECT_ROOT, 'examples', taskId, 'optimization', 'two-tier-script.yaml') };
}

/** How a recording and its replay recognise a candidate: sha256 of its solution file. */
export function solutionSha256(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** What the two-tier benchmark needs on a GPU host, as "no ..." reasons (empty: nothing missing). */
export function missingForTwoTier(c: Pick<HostCapabilities, 'gpus' | 'nvcc' | 'ncu'>): string[] {
  return [c.gpus.length ? '' : 'no NVIDIA GPU', c.nvcc ? '' : 'no nvcc', c.ncu ? '' : 'no ncu (Nsight Compute)'].filter(Boolean);
}

/** What the benchmark of a C++ task needs on the host: g++ and valgrind (cachegrind). */
export function missingForCppTwoTier(c: Pick<HostCapabilities, 'gxx' | 'valgrind'>): string[] {
  return [c.gxx ? '' : 'no g++', c.valgrind ? '' : 'no valgrind (cachegrind)'].filter(Boolean);
}

export interface ScriptedKernel {
  index: number;
  label: string;
  /** The files the task workflow would take from the reply (policy/parsers/extract-code.ts). */
  files: ExtractedFile[];
  sha256: string;
}

/** The kernels the scripted model hands in, in order, extracted from its replies as the task workflow does. */
export function scriptedKernels(task: ResolvedTask): ScriptedKernel[] {
  const answers = loadModelScripts([TWO_TIER_SCRIPT])[0]?.models[BENCH_MODEL];
  if (!answers) throw new Error(`${TWO_TIER_SCRIPT} has no answers for ${BENCH_MODEL}`);
  return answers.map((answer, index) => {
    if (answer.kind !== 'reply') throw new Error(`answer ${index} of ${BENCH_MODEL} is not a reply`);
    const extraction = extractFiles(answer.content, task.solution_file, task.language, task.harnessFiles.map((f) => f.path));
    if (!extraction.ok) throw new Error(`answer ${index} (${answer.label}): ${extraction.reason}`);
    const solution = extraction.files.find((f) => f.path === task.solution_file)!;
    return { index, label: answer.label, files: extraction.files, sha256: solutionSha256(solution.content) };
  });
}

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
