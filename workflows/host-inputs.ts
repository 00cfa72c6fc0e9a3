/**
 * The inputs of the host activities (build, test, microbenchmark, full profile) for a candidate of a
 * task, as the task workflow sends them. Pure and free of workflow APIs, so that the device recorder
 * (scripts/gpu/record-two-tier.ts) runs the activities with exactly what a workflow would send.
 */
import type { FullProfileInput, MicrobenchmarkInput } from '../contracts/profile-types';
import type { BuildInput, TestInput } from '../contracts/activity-types';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { ResolvedTask } from '../policy/schemas/task-schema';

export function buildInputFor(
  task: ResolvedTask,
  config: KisystemConfig,
  ids: { workflowId: string; workflowRunId: string },
  attemptNo: number,
  files: ExtractedFile[],
): BuildInput {
  return {
    workflowId: ids.workflowId,
    workflowRunId: ids.workflowRunId,
    attemptNo,
    language: task.language,
    harnessFiles: task.harnessFiles,
    modelFiles: files,
    solutionFile: task.solution_file,
    sources: task.build.sources,
    flags: task.build.flags,
    output: task.build.output,
    timeoutS: config.timeouts.build,
    keepChars: config.output_keep_chars,
  };
}

export function testInputFor(task: ResolvedTask, config: KisystemConfig, runFolder: string, seed: number): TestInput {
  return {
    runFolder,
    command: task.test.command,
    language: task.language,
    timeoutS: config.timeouts.test,
    keepChars: config.output_keep_chars,
    limits: {
      cpuSeconds: config.sandbox.cpu_seconds,
      memoryMb: config.sandbox.memory_mb,
      maxProcesses: config.sandbox.max_processes,
      maxFileMb: config.sandbox.max_file_mb,
    },
    seed,
  };
}

type Benchmark = NonNullable<ResolvedTask['benchmark']>;

export function microbenchmarkInputFor(
  task: ResolvedTask,
  benchmark: Benchmark,
  config: KisystemConfig,
  runFolder: string,
  seed: number,
): MicrobenchmarkInput {
  return {
    runFolder,
    command: benchmark.command,
    timeoutS: config.timeouts.profile,
    keepChars: config.output_keep_chars,
    seed,
    language: task.language,
    clock: benchmark.clock ?? 'wall',
  };
}

/**
 * The full profile of an iteration runs the benchmark of the same seed: the same frames as its timed
 * run. `yardstickCycles`: a C++ task's yardstick after its baseline profile (cachegrindYardstick).
 */
export function fullProfileInputFor(
  task: ResolvedTask,
  benchmark: Benchmark,
  config: KisystemConfig,
  runFolder: string,
  seed: number,
  yardstickCycles: number | null = null,
): FullProfileInput {
  return {
    runFolder,
    command: benchmark.command,
    kernelRegex: benchmark.kernel_regex ?? null,
    tool: config.profiler,
    timeoutS: config.timeouts.profile,
    keepChars: config.output_keep_chars,
    seed,
    language: task.language,
    solutionFile: task.solution_file,
    yardstickCycles,
  };
}
