/** The profiling activities' inputs and results (tier 1 microbenchmark, tier 2 full profile). */
import type { CachegrindSummary } from '../policy/parsers/cachegrind-report';
import type { NcuSummary } from '../policy/parsers/ncu-report';

export type ProfilerRequest = 'auto' | 'ncu' | 'nsys';

/** The task's language: which profiler runs tier 1, and whether the run sees the GPU. */
export type BenchmarkLanguage = 'cpp' | 'cuda';

export interface MicrobenchmarkInput {
  runFolder: string;
  command: string[];
  timeoutS: number;
  keepChars: number;
  /** The seed of the benchmark's inputs (the checker's frames, or KISYSTEM_SEED without a checker). */
  seed: number;
  /** Absent in inputs scheduled before C++ tasks were profiled: 'cuda'. */
  language?: BenchmarkLanguage;
  /** What the trusted driver times (the task's `benchmark.clock`); absent: 'wall'. */
  clock?: BenchmarkClock;
}

/**
 * 'wall': each answer's round trip; 'cpu': the CPU time the candidate's processes used for it
 * (single-threaded C++ on a shared host: other programs on the same cores no longer count).
 */
export type BenchmarkClock = 'wall' | 'cpu';

export interface MicrobenchmarkResult {
  medianMs: number;
  timesMs: number[];
  /** Wall time of the whole activity (the program's start to its parse). */
  durationMs: number;
  output: string;
}

/** Details of a `BenchmarkFailed` failure: the candidate's benchmark run, for the categorizer. */
export interface FailedBenchmarkRun {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  output: string;
  /** The sandbox limit that ended the benchmark, when one did. */
  limitKill?: string | null;
}

export interface FullProfileInput {
  runFolder: string;
  command: string[];
  kernelRegex?: string | null;
  tool: ProfilerRequest;
  timeoutS: number;
  keepChars: number;
  /** The iteration's benchmark seed: the profiled run gets the same frames as the timed one. Absent in older inputs: 0. */
  seed?: number;
  /** Absent in inputs scheduled before C++ tasks were profiled: 'cuda'. */
  language?: BenchmarkLanguage;
  /** The solution file (C++: its functions are the kernel cachegrind scores). */
  solutionFile?: string;
  /** C++: the estimated cycles kernels are scored against (policy/rules/two-tier.ts `cachegrindYardstick` of the baseline); absent at the baseline itself. */
  yardstickCycles?: number | null;
  /** Inputs scheduled before the yardstick: the baseline kernel's instructions, the yardstick then. */
  baselineInstructions?: number | null;
}

/** What a full profile found: Nsight Compute's summary of a CUDA kernel, or cachegrind's of a C++ one. */
export type ProfileFacts = { tool: 'ncu'; summary: NcuSummary } | { tool: 'cachegrind'; summary: CachegrindSummary };

export type FullProfileResult = ProfileFacts & {
  score: number;
  /** Wall time of the whole activity (profile + reading the report). */
  durationMs: number;
  /** Why another tool than the one asked for ran (null when none). */
  fellBack: string | null;
};
