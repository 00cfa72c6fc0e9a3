/**
 * Two-tier profiling on the host that built and tested the candidate (its host queue): the run
 * folder with the binary and the benchmark program lives there.
 *
 * - `microbenchmark` (tier 0): runs the task's benchmark program and takes the median of its
 *   `KISYSTEM_BENCH` lines (policy/parsers/microbench-line.ts).
 * - `fullProfile` (tier 1): Nsight Compute writes a report (`-o`), which is read back with
 *   `--import --csv` (never live stdout: the program's own output is mixed into it) and scored by
 *   its speed-of-light (policy/rules/two-tier.ts `fullProfileScore`).
 *
 * Tier 1 scores with ncu only: Nsight Systems gives kernel times but no throughput % of peak, so a
 * speed-of-light score would need the task's bytes/FLOPs, which task files do not
 * carry yet. `chooseProfiler` therefore always ends at ncu, and says why in `fellBack` when nsys was
 * asked for (and whether it works here). The nsys argument arrays are kept ready for that day.
 *
 * A program that prints no bench line, a missing profiler, or a report that cannot be read throw
 * non-retryable ApplicationFailures with a clear message: a broken profile never becomes a score.
 * A benchmark program that fails (exit status, signal, timeout) throws `BenchmarkFailed` with the run
 * in its details: that is the candidate's fault, and the optimization phase rejects the candidate.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseBenchLines } from '../policy/parsers/microbench-line';
import type { FailedBenchmarkRun, FullProfileInput, FullProfileResult, MicrobenchmarkInput, MicrobenchmarkResult, ProfilerRequest } from '../contracts/profile-types';
import { parseNcuDetailsCsv } from '../policy/parsers/ncu-report';
import { summarizeNcu } from '../policy/parsers/ncu-summary';
import { ProfileParseError } from '../policy/parsers/profiler-csv';
import { median } from '../policy/rules/numbers';
import { fullProfileScore } from '../policy/rules/two-tier';
import { ensureNsysProbed, type HostCapabilities } from './host-capabilities';
import type { HostSandbox } from './build-test';
import { ProgramNotStartedError, runProcess, SandboxSetupError, type ProcessResult, type ResourceLimits, type RunProcessOptions } from './run-process';
import { benchTimesMs, CheckerBrokenError, hasChecker, runChecked } from './sandbox-verdict';

/** ncu's metrics beyond the two sections: duration, DRAM bytes and throughput, achieved occupancy. */
export const NCU_METRICS = [
  'gpu__time_duration.sum',
  'dram__bytes.sum',
  'dram__throughput.avg.pct_of_peak_sustained_elapsed',
  'sm__warps_active.avg.pct_of_peak_sustained_active',
];

/** The report written by {@link ncuProfileArgs}, without its `.ncu-rep` extension. */
export function reportBase(runFolder: string): string {
  return `${runFolder.replace(/\/+$/, '')}/prof`;
}

/** `ncu ... --launch-count 1 -f -o <runFolder>/prof <command...>`: writes `<runFolder>/prof.ncu-rep`. */
export function ncuProfileArgs(runFolder: string, command: readonly string[], kernelRegex?: string | null): string[] {
  if (command.length === 0) throw new RangeError('the benchmark command is empty');
  const args = ['ncu', '--clock-control', 'none', '--section', 'SpeedOfLight', '--section', 'Occupancy', '--metrics', NCU_METRICS.join(',')];
  if (kernelRegex) args.push('-k', `regex:${kernelRegex}`);
  // One launch: a benchmark program launches its kernel 20+ times, and each profiled launch costs
  // ncu a dozen replays; the first launch shows the same kernel.
  args.push('--launch-count', '1');
  args.push('-f', '-o', reportBase(runFolder), ...command);
  return args;
}

/** `ncu --import <runFolder>/prof.ncu-rep --csv`: the details page, one row per metric and rule. */
export function ncuImportArgs(runFolder: string): string[] {
  return ['ncu', '--import', `${reportBase(runFolder)}.ncu-rep`, '--csv'];
}

/** `nsys profile -o <runFolder>/prof <command...>` (kept for a future nsys-based score; not run yet). */
export function nsysProfileArgs(runFolder: string, command: readonly string[]): string[] {
  if (command.length === 0) throw new RangeError('the benchmark command is empty');
  return ['nsys', 'profile', '--trace=cuda', '--force-overwrite=true', '-o', reportBase(runFolder), ...command];
}

/** `nsys stats --report cuda_gpu_kern_sum --format csv <runFolder>/prof.nsys-rep` (parseNsysKernelSummaryCsv). */
export function nsysStatsArgs(runFolder: string): string[] {
  return ['nsys', 'stats', '--report', 'cuda_gpu_kern_sum', '--format', 'csv', `${reportBase(runFolder)}.nsys-rep`];
}

export type ProfilerChoice = { ok: true; tool: 'ncu'; fellBack: string | null } | { ok: false; message: string };

/**
 * Which profiler runs tier 1 on this host. Only ncu gives the speed-of-light score, so the choice
 * ends at ncu or at a clear error; `fellBack` says why when nsys was asked for.
 */
export function chooseProfiler(requested: ProfilerRequest, capabilities: Pick<HostCapabilities, 'hostId' | 'ncu' | 'nsysWorks'>): ProfilerChoice {
  const host = capabilities.hostId;
  const hasNcu = capabilities.ncu !== null;
  if (!hasNcu) {
    const nsys = capabilities.nsysWorks
      ? 'nsys works here, but it gives no throughput % of peak, so it cannot score a kernel'
      : 'and no working nsys either';
    return { ok: false, message: `no profiler for tier 1 on host ${host}: ncu (Nsight Compute) is missing, ${nsys}; install Nsight Compute or run the task on a host that has it` };
  }
  if (requested === 'nsys') {
    const why = capabilities.nsysWorks
      ? `nsys was asked for, but it gives no speed-of-light score; tier 1 used ncu on host ${host}`
      : `nsys was asked for, but it does not work on host ${host} (missing or cannot write reports); fell back to ncu`;
    return { ok: true, tool: 'ncu', fellBack: why };
  }
  return { ok: true, tool: 'ncu', fellBack: null };
}

type Runner = (options: RunProcessOptions) => Promise<ProcessResult>;

export interface ProfileActivityDeps {
  capabilities: HostCapabilities;
  /** For tests: runs a process (default: runProcess). */
  run?: Runner;
  /** The sandbox the benchmark and the profiler run in; absent: unsandboxed. */
  sandbox?: HostSandbox;
}

/** Output of `ncu --import --csv` must be read whole; it is a few kB per profiled launch. */
const IMPORT_KEEP_CHARS = 4 * 1024 * 1024 - 1024;

function activityContext(): Context | null {
  try {
    return Context.current();
  } catch {
    return null; // outside an activity (unit tests)
  }
}

function failure(type: string, message: string, nonRetryable = true): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable });
}

export function createProfileActivities(deps: ProfileActivityDeps) {
  const { capabilities } = deps;
  const run = deps.run ?? runProcess;

  const sandbox = deps.sandbox;
  /** Benchmarks and profiles run on the GPU: host memory of the whole run is limited as for CUDA tests. */
  const limits: ResourceLimits | undefined = sandbox
    ? { cpuSeconds: 3600, memoryMb: sandbox.cgroups ? sandbox.cuda_memory_mb : null, maxProcesses: sandbox.max_processes, maxFileMb: sandbox.max_file_mb, diskMb: sandbox.disk_mb }
    : undefined;

  async function runStep(command: string[], cwd: string, timeoutS: number, keepChars: number, env?: NodeJS.ProcessEnv): Promise<ProcessResult> {
    const ctx = activityContext();
    try {
      const box = sandbox ? { ...sandbox, writable: cwd, gpu: true, name: command[0] === 'ncu' ? 'profile' : 'bench' } : undefined;
      const vars = sandbox ? Object.fromEntries(Object.entries(env ?? {}).filter(([k]) => k.startsWith('KISYSTEM_'))) : env;
      const result = await run({ command, cwd, timeoutMs: timeoutS * 1000, keepChars, env: vars, sandbox: box, limits, onTick: ctx ? () => ctx.heartbeat() : undefined, signal: ctx?.cancellationSignal });
      if (result.cancelled) {
        if (ctx) await ctx.cancelled;
        throw failure('Cancelled', `${command[0]} cancelled`);
      }
      return result;
    } catch (error) {
      if (error instanceof SandboxSetupError) throw ApplicationFailure.create({ type: 'SandboxUnavailable', message: `host ${capabilities.hostId}: ${error.message}` });
      if (error instanceof ProgramNotStartedError) {
        const type = command[0] === 'ncu' || command[0] === 'nsys' ? 'ProfilerMissing' : 'CandidateMissing';
        throw failure(type, `cannot start ${command[0]} in ${cwd} on host ${capabilities.hostId}: ${error.message}`);
      }
      throw error;
    }
  }

  function ended(result: ProcessResult): string {
    if (result.timedOut) return 'ran past its timeout';
    if (result.signal) return `was killed by ${result.signal}`;
    return `exited with ${result.exitCode}`;
  }

  /** The benchmark with a trusted checker: the driver times each answer from outside (sandbox-verdict.ts). */
  async function checkedBenchmark(input: MicrobenchmarkInput, started: number): Promise<MicrobenchmarkResult> {
    const ctx = activityContext();
    try {
      const run = await runChecked('bench', input.seed, input.runFolder, input.command, limits, true, {
        sandbox,
        timeoutS: input.timeoutS,
        keepChars: input.keepChars,
        onTick: ctx ? () => ctx.heartbeat() : undefined,
        signal: ctx?.cancellationSignal,
      });
      const result = run.result;
      if (result.cancelled) {
        if (ctx) await ctx.cancelled;
        throw failure('Cancelled', 'benchmark cancelled');
      }
      if (result.exitCode !== 0 || result.timedOut || result.signal || !run.bench) throw benchmarkFailed(input, result);
      const timesMs = benchTimesMs(run.answerMs, run.bench.short, run.bench.long);
      if (timesMs.length === 0) throw failure('BenchmarkOutputMissing', `the task's checker gave no (short, long) benchmark pairs for ${input.command.join(' ')}`);
      const medianMs = median(timesMs);
      const lines = timesMs.map((ms) => `KISYSTEM_BENCH kernel=${run.bench!.kernel} ms=${ms.toFixed(6)} timed_by=trusted-driver`).join('\n');
      return { medianMs, timesMs, durationMs: Date.now() - started, output: `${result.output}\n${lines}` };
    } catch (error) {
      if (error instanceof SandboxSetupError) throw ApplicationFailure.create({ type: 'SandboxUnavailable', message: `host ${capabilities.hostId}: ${error.message}` });
      if (error instanceof CheckerBrokenError) throw failure('CheckerBroken', `host ${capabilities.hostId}: ${error.message}`);
      throw error;
    }
  }

  /** A benchmark run that failed: its times never count, and the workflow rejects the candidate. */
  function benchmarkFailed(input: MicrobenchmarkInput, result: ProcessResult): ApplicationFailure {
    const { exitCode, signal, timedOut, output } = result;
    return ApplicationFailure.create({
      type: 'BenchmarkFailed',
      message: `benchmark ${input.command.join(' ')} on host ${capabilities.hostId} ${ended(result)}: ${output.trim().split('\n').slice(-3).join(' | ')}`,
      nonRetryable: true,
      details: [{ exitCode, signal, timedOut, output, ...(result.limitKill ? { limitKill: result.limitKill } : {}) } satisfies FailedBenchmarkRun],
    });
  }

  async function microbenchmark(input: MicrobenchmarkInput): Promise<MicrobenchmarkResult> {
    const started = Date.now();
    if (hasChecker(input.runFolder)) return checkedBenchmark(input, started);
    const result = await runStep(input.command, input.runFolder, input.timeoutS, input.keepChars, { ...process.env, KISYSTEM_SEED: String(input.seed) });
    // Times of a run that failed (a wrong result at the benchmark's size, a crash) never count.
    if (result.exitCode !== 0 || result.timedOut || result.signal) throw benchmarkFailed(input, result);
    try {
      const bench = parseBenchLines(result.output);
      return { medianMs: bench.medianMs, timesMs: bench.timesMs, durationMs: Date.now() - started, output: result.output };
    } catch (error) {
      if (!(error instanceof ProfileParseError)) throw error;
      const status = result.exitCode === 0 && !result.timedOut ? '' : ` (the program ${ended(result)})`;
      throw failure('BenchmarkOutputMissing', `benchmark ${input.command.join(' ')} on host ${capabilities.hostId}${status}: ${error.message}`);
    }
  }

  async function fullProfile(input: FullProfileInput): Promise<FullProfileResult> {
    const started = Date.now();
    // nsys is probed only when it matters: a task asks for it, or ncu is missing (the message says whether nsys works).
    if (input.tool === 'nsys' || !capabilities.ncu) await ensureNsysProbed(capabilities);
    const choice = chooseProfiler(input.tool, capabilities);
    if (!choice.ok) throw failure('ProfilerMissing', choice.message);
    const profile = await runStep(ncuProfileArgs(input.runFolder, input.command, input.kernelRegex), input.runFolder, input.timeoutS, input.keepChars);
    if (profile.exitCode !== 0 || profile.timedOut) {
      throw failure('ProfileUnparsable', `ncu ${ended(profile)} while profiling ${input.command.join(' ')} on host ${capabilities.hostId}: ${profile.output.slice(-800)}`);
    }
    const imported = await runStep(ncuImportArgs(input.runFolder), input.runFolder, input.timeoutS, IMPORT_KEEP_CHARS);
    if (imported.exitCode !== 0 || imported.timedOut) {
      throw failure('ProfileUnparsable', `ncu --import ${ended(imported)} on host ${capabilities.hostId}: ${imported.output.slice(-800)}`);
    }
    try {
      const summary = summarizeNcu(parseNcuDetailsCsv(imported.output));
      return { tool: 'ncu', summary, score: fullProfileScore(summary), durationMs: Date.now() - started, fellBack: choice.fellBack };
    } catch (error) {
      if (!(error instanceof ProfileParseError) && !(error instanceof RangeError)) throw error;
      throw failure('ProfileUnparsable', `the ncu report of ${input.command.join(' ')} on host ${capabilities.hostId} cannot be read: ${error.message}`);
    }
  }

  return { microbenchmark, fullProfile };
}

export type ProfileActivities = ReturnType<typeof createProfileActivities>;
