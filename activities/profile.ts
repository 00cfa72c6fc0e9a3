/**
 * Two-tier profiling on the host that built and tested the candidate (its host queue): the run
 * folder with the binary and the benchmark program lives there.
 *
 * Both tiers run the same benchmark (`runBenchmark`): the task's benchmark command in the same
 * sandbox with the same environment and, for a task with a trusted checker, the checker's bench
 * frames drawn from the iteration's seed on stdin, the answers timed and checked by the trusted
 * driver. A profiler differs only by the command put in front and the reader of its report:
 *
 * - `microbenchmark` (tier 0): no prefix; the times are the driver's (checked tasks) or the median
 *   of the program's `KISYSTEM_BENCH` lines (policy/parsers/microbench-line.ts).
 * - `fullProfile` (tier 1): CUDA: Nsight Compute writes a report (`-o`), read back with
 *   `--import --csv` (never live stdout: the program's own output is mixed into it) and scored by its
 *   speed-of-light (policy/rules/two-tier.ts `fullProfileScore`); activities/profiler-ncu.ts.
 *   C++: cachegrind simulates the caches and branch predictor over the same frames and writes its
 *   counts per source line (activities/profiler-cachegrind.ts), scored by the cut in estimated
 *   cycles against the baseline (`cachegrindScore`).
 *
 * A program that prints no bench line, a missing profiler, or a report that cannot be read throw
 * non-retryable ApplicationFailures with a clear message: a broken profile never becomes a score.
 * A benchmark program that fails (exit status, signal, timeout, or answers its checker rejects)
 * throws `BenchmarkFailed` with the run in its details: that is the candidate's fault, and the
 * optimization phase rejects the candidate.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { parseBenchLines } from '../policy/parsers/microbench-line';
import type { BenchmarkClock, FailedBenchmarkRun, FullProfileInput, FullProfileResult, MicrobenchmarkInput, MicrobenchmarkResult } from '../contracts/profile-types';
import { parseNcuDetailsCsv } from '../policy/parsers/ncu-report';
import { summarizeNcu } from '../policy/parsers/ncu-summary';
import { ProfileParseError } from '../policy/parsers/profiler-csv';
import { median } from '../policy/rules/numbers';
import { cachegrindScore, cachegrindYardstick, fullProfileScore } from '../policy/rules/two-tier';
import { parseCachegrindOut, summarizeCachegrind } from '../policy/parsers/cachegrind-report';
import { ensureNsysProbed, type HostCapabilities } from './host-capabilities';
import type { NsysProbe } from './nsys-probe';
import type { HostSandbox } from './build-test';
import { cachegrindArgs, clearCachegrindReport, readCachegrindReport } from './profiler-cachegrind';
import { chooseProfiler, ncuImportArgs, ncuProfileArgs } from './profiler-ncu';
import { findOnPath, foldersToBind } from './program-path';
import { ProgramNotStartedError, runProcess, SandboxSetupError, type ProcessResult, type ResourceLimits, type RunProcessOptions } from './run-process';
import { benchTimesMs, CheckerBrokenError, hasChecker, ImplausibleBenchTimesError, runChecked, type CheckedRun } from './sandbox-verdict';

export { NCU_METRICS, chooseProfiler, ncuImportArgs, ncuProfileArgs, nsysProfileArgs, nsysStatsArgs, reportBase, type ProfilerChoice } from './profiler-ncu';

type Runner = (options: RunProcessOptions) => Promise<ProcessResult>;

export interface ProfileActivityDeps {
  capabilities: HostCapabilities;
  /** For tests: runs a process (default: runProcess). */
  run?: Runner;
  /** For tests: probes nsys (default: the real probe, activities/nsys-probe.ts). */
  probeNsys?: NsysProbe;
  /** The sandbox the benchmark and the profiler run in; absent: unsandboxed. */
  sandbox?: HostSandbox;
}

/** What one run of the benchmark needs: the same for the timed run and every profiled one. */
interface BenchmarkRunInput {
  runFolder: string;
  command: readonly string[];
  seed: number;
  timeoutS: number;
  keepChars: number;
  language: 'cpp' | 'cuda';
}

/** A profiler in front of the benchmark: its program (absolute where sandboxed), its arguments, and what the sandbox must see of it. */
interface ProfilerPrefix {
  command: string[];
  readOnly: string[];
}

/** A benchmark run: how it ended, and the trusted driver's times and verdict for a checked task. */
interface BenchmarkRun {
  result: ProcessResult;
  checked: CheckedRun | null;
}

/**
 * How many times a benchmark whose (short, long) pairs cannot be a kernel time is measured before the
 * candidate is refused: a stall from the host's own load rarely repeats, a candidate's stall does.
 */
const IMPLAUSIBLE_MEASUREMENTS = 3;

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

function ended(result: ProcessResult): string {
  if (result.timedOut) return 'ran past its timeout';
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with ${result.exitCode}`;
}

function failedRun(result: ProcessResult): boolean {
  return result.exitCode !== 0 || result.timedOut || result.signal !== null;
}

export function createProfileActivities(deps: ProfileActivityDeps) {
  const { capabilities } = deps;
  const run = deps.run ?? runProcess;
  const sandbox = deps.sandbox;
  const host = capabilities.hostId;

  /** Host memory of a benchmark run: limited as for CUDA tests (the GPU's huge reservations need cgroups to be limited). */
  const limits: ResourceLimits | undefined = sandbox
    ? { cpuSeconds: 3600, memoryMb: sandbox.cgroups ? sandbox.cuda_memory_mb : null, maxProcesses: sandbox.max_processes, maxFileMb: sandbox.max_file_mb, diskMb: sandbox.disk_mb }
    : undefined;

  function benchmarkRunOf(input: MicrobenchmarkInput | FullProfileInput, seed: number): BenchmarkRunInput {
    return { runFolder: input.runFolder, command: input.command, seed, timeoutS: input.timeoutS, keepChars: input.keepChars, language: input.language ?? 'cuda' };
  }

  /**
   * A profiler program as the step starts it: sandboxed steps have their own PATH, so the program
   * found on the worker's PATH is started by its absolute path with its folder visible read-only.
   */
  function profilerPrefix(args: string[], installHint: string): ProfilerPrefix {
    if (!sandbox) return { command: args, readOnly: [] };
    const program = findOnPath(args[0]!);
    if (!program) throw failure('ProfilerMissing', `no profiler for tier 1 on host ${host}: ${args[0]} is not on the worker's PATH; ${installHint}`);
    return { command: [program, ...args.slice(1)], readOnly: foldersToBind(program) };
  }

  async function runStep(command: readonly string[], cwd: string, timeoutS: number, keepChars: number, options: { env?: NodeJS.ProcessEnv; gpu: boolean; name: string; readOnly?: string[] }): Promise<ProcessResult> {
    const ctx = activityContext();
    const box = sandbox ? { ...sandbox, writable: cwd, gpu: options.gpu, name: options.name, readOnly: options.readOnly } : undefined;
    const env = options.env;
    const vars = sandbox ? Object.fromEntries(Object.entries(env ?? {}).filter(([k]) => k.startsWith('KISYSTEM_'))) : env;
    const result = await run({ command, cwd, timeoutMs: timeoutS * 1000, keepChars, env: vars, sandbox: box, limits, onTick: ctx ? () => ctx.heartbeat() : undefined, signal: ctx?.cancellationSignal });
    if (result.cancelled) {
      if (ctx) await ctx.cancelled;
      throw failure('Cancelled', `${command[0]} cancelled`);
    }
    return result;
  }

  /**
   * One run of the task's benchmark with `prefix` in front (none for tier 0): for a checked task the
   * checker's bench frames of `seed` on stdin, answers timed and judged by the trusted driver;
   * otherwise the program alone with the seed in KISYSTEM_SEED. The same sandbox and environment
   * either way, so a profiler sees exactly what the timed run does.
   */
  async function runBenchmark(input: BenchmarkRunInput, prefix: ProfilerPrefix | null): Promise<BenchmarkRun> {
    const ctx = activityContext();
    const command = [...(prefix?.command ?? []), ...input.command];
    const gpu = input.language === 'cuda';
    const name = prefix ? 'profile' : 'bench';
    try {
      if (hasChecker(input.runFolder)) {
        const checked = await runChecked('bench', input.seed, input.runFolder, command, limits, gpu, {
          sandbox,
          timeoutS: input.timeoutS,
          keepChars: input.keepChars,
          onTick: ctx ? () => ctx.heartbeat() : undefined,
          signal: ctx?.cancellationSignal,
          readOnly: prefix?.readOnly,
        });
        if (checked.result.cancelled) {
          if (ctx) await ctx.cancelled;
          throw failure('Cancelled', `${name} cancelled`);
        }
        return { result: checked.result, checked };
      }
      const env = { ...process.env, KISYSTEM_SEED: String(input.seed) };
      return { result: await runStep(command, input.runFolder, input.timeoutS, input.keepChars, { env, gpu, name, readOnly: prefix?.readOnly }), checked: null };
    } catch (error) {
      throw activityFailureOf(error, command[0]!, input.runFolder, prefix !== null);
    }
  }

  /** Infrastructure errors of a step as the workflow reads them; anything else unchanged. */
  function activityFailureOf(error: unknown, program: string, cwd: string, profiler: boolean): unknown {
    if (error instanceof SandboxSetupError) return ApplicationFailure.create({ type: 'SandboxUnavailable', message: `host ${host}: ${error.message}` });
    if (error instanceof CheckerBrokenError) return failure('CheckerBroken', `host ${host}: ${error.message}`);
    if (error instanceof ProgramNotStartedError) return failure(profiler ? 'ProfilerMissing' : 'CandidateMissing', `cannot start ${program} in ${cwd} on host ${host}: ${error.message}`);
    return error;
  }

  /** A benchmark run that failed: its times never count, and the workflow rejects the candidate. */
  function benchmarkFailed(command: readonly string[], result: ProcessResult, how = ended(result)): ApplicationFailure {
    const { exitCode, signal, timedOut, output } = result;
    return ApplicationFailure.create({
      type: 'BenchmarkFailed',
      message: `benchmark ${command.join(' ')} on host ${host} ${how}: ${output.trim().split('\n').slice(-3).join(' | ')}`,
      nonRetryable: true,
      details: [{ exitCode, signal, timedOut, output, ...(result.limitKill ? { limitKill: result.limitKill } : {}) } satisfies FailedBenchmarkRun],
    });
  }

  async function microbenchmark(input: MicrobenchmarkInput): Promise<MicrobenchmarkResult> {
    const started = Date.now();
    for (let measured = 1; ; measured++) {
      const { result, checked } = await runBenchmark(benchmarkRunOf(input, input.seed), null);
      // Times of a run that failed (a wrong answer, a crash) never count.
      if (failedRun(result) || (checked && !checked.bench)) throw benchmarkFailed(input.command, result);
      if (!checked?.bench) return selfTimed(input, result, started);
      const { kernel, short, long } = checked.bench;
      const clock = clockOf(input, checked);
      let timesMs: number[];
      try {
        timesMs = benchTimesMs(clock.answers, short, long);
      } catch (error) {
        if (!(error instanceof ImplausibleBenchTimesError)) throw error;
        // A busy host can stall one frame as well as a candidate can: measured again before the
        // candidate is blamed. Refused, never clamped, when every measurement says the same.
        if (measured < IMPLAUSIBLE_MEASUREMENTS) continue;
        const why = `benchmark refused by the trusted driver (${measured} measurements): ${error.message}`;
        throw benchmarkFailed(input.command, { ...result, output: `${result.output}\n${why}` }, 'gave implausible times');
      }
      if (timesMs.length === 0) throw failure('BenchmarkOutputMissing', `the task's checker gave no (short, long) benchmark pairs for ${input.command.join(' ')}`);
      const lines = timesMs.map((ms) => `KISYSTEM_BENCH kernel=${kernel} ms=${ms.toFixed(6)} timed_by=trusted-driver clock=${clock.name}`).join('\n');
      const note = clock.note ? `\n${clock.note}` : '';
      return { medianMs: median(timesMs), timesMs, durationMs: Date.now() - started, output: `${result.output}\n${lines}${note}` };
    }
  }

  /** The answer times the task asked for: CPU time where the run had a cgroup to read it from, else wall time, said so. */
  function clockOf(input: MicrobenchmarkInput, checked: CheckedRun): { name: BenchmarkClock; answers: number[]; note: string | null } {
    if (input.clock !== 'cpu') return { name: 'wall', answers: checked.answerMs, note: null };
    if (checked.answerCpuMs) return { name: 'cpu', answers: checked.answerCpuMs, note: null };
    return { name: 'wall', answers: checked.answerMs, note: `benchmark.clock cpu: host ${host} runs candidates without a cgroup (cpuacct) to read CPU time from, so the wall time was used` };
  }

  /** A task without a checker: the candidate's own KISYSTEM_BENCH lines (self-reported). */
  function selfTimed(input: MicrobenchmarkInput, result: ProcessResult, started: number): MicrobenchmarkResult {
    try {
      const bench = parseBenchLines(result.output);
      return { medianMs: bench.medianMs, timesMs: bench.timesMs, durationMs: Date.now() - started, output: result.output };
    } catch (error) {
      if (!(error instanceof ProfileParseError)) throw error;
      throw failure('BenchmarkOutputMissing', `benchmark ${input.command.join(' ')} on host ${host}: ${error.message}`);
    }
  }

  /**
   * The profiled run ended: a checker's FAIL verdict is the candidate's fault (BenchmarkFailed);
   * any other abnormal end means the profile could not be taken (ProfileUnparsable ends the phase).
   */
  function checkProfiledRun(tool: string, input: FullProfileInput, run: BenchmarkRun): void {
    const { result, checked } = run;
    if (checked?.bench && result.exitCode === 1) throw benchmarkFailed(input.command, result);
    if (failedRun(result)) {
      throw failure('ProfileUnparsable', `${tool} ${ended(result)} while profiling ${input.command.join(' ')} on host ${host}: ${result.output.slice(-800)}`);
    }
  }

  /** Tier 1 of a CUDA task: ncu writes a report while the benchmark runs, read back with --import. */
  async function ncuProfile(input: FullProfileInput, started: number): Promise<FullProfileResult> {
    // nsys is probed only when it matters: a task asks for it, or ncu is missing (the message says whether nsys works).
    if (input.tool === 'nsys' || !capabilities.ncu) await ensureNsysProbed(capabilities, deps.probeNsys);
    const choice = chooseProfiler(input.tool, capabilities);
    if (!choice.ok) throw failure('ProfilerMissing', choice.message);
    const args = ncuProfileArgs(input.runFolder, input.command, input.kernelRegex);
    const prefix = profilerPrefix(args.slice(0, args.length - input.command.length), 'install Nsight Compute and put ncu on PATH');
    checkProfiledRun('ncu', input, await runBenchmark(benchmarkRunOf(input, input.seed ?? 0), prefix));
    const importArgs = [prefix.command[0]!, ...ncuImportArgs(input.runFolder).slice(1)];
    let imported: ProcessResult;
    try {
      imported = await runStep(importArgs, input.runFolder, input.timeoutS, IMPORT_KEEP_CHARS, { gpu: false, name: 'profile-import', readOnly: prefix.readOnly });
    } catch (error) {
      throw activityFailureOf(error, importArgs[0]!, input.runFolder, true);
    }
    if (imported.exitCode !== 0 || imported.timedOut) {
      throw failure('ProfileUnparsable', `ncu --import ${ended(imported)} on host ${host}: ${imported.output.slice(-800)}`);
    }
    try {
      const summary = summarizeNcu(parseNcuDetailsCsv(imported.output));
      return { tool: 'ncu', summary, score: fullProfileScore(summary), durationMs: Date.now() - started, fellBack: choice.fellBack };
    } catch (error) {
      if (!(error instanceof ProfileParseError) && !(error instanceof RangeError)) throw error;
      throw failure('ProfileUnparsable', `the ncu report of ${input.command.join(' ')} on host ${host} cannot be read: ${error.message}`);
    }
  }

  /** Tier 1 of a C++ task: cachegrind runs the benchmark and leaves its counts in the run folder. */
  async function cachegrindProfile(input: FullProfileInput, started: number): Promise<FullProfileResult> {
    const prefix = profilerPrefix(cachegrindArgs(input.runFolder), 'valgrind (cachegrind) profiles C++ tasks: install it (Debian/Ubuntu: apt-get install valgrind)');
    await clearCachegrindReport(input.runFolder);
    checkProfiledRun('cachegrind', input, await runBenchmark(benchmarkRunOf(input, input.seed ?? 0), prefix));
    try {
      const text = await readCachegrindReport(input.runFolder);
      if (text === null) throw new ProfileParseError('cachegrind wrote no report');
      const summary = summarizeCachegrind(parseCachegrindOut(text), { kernelRegex: input.kernelRegex, solutionFile: input.solutionFile, runFolder: input.runFolder });
      const score = cachegrindScore(summary, input.yardstickCycles ?? input.baselineInstructions ?? cachegrindYardstick(summary));
      return { tool: 'cachegrind', summary, score, durationMs: Date.now() - started, fellBack: null };
    } catch (error) {
      if (!(error instanceof ProfileParseError) && !(error instanceof RangeError)) throw error;
      throw failure('ProfileUnparsable', `the cachegrind report of ${input.command.join(' ')} on host ${host} cannot be read: ${error.message}`);
    }
  }

  async function fullProfile(input: FullProfileInput): Promise<FullProfileResult> {
    const started = Date.now();
    return input.language === 'cpp' ? cachegrindProfile(input, started) : ncuProfile(input, started);
  }

  return { microbenchmark, fullProfile };
}

export type ProfileActivities = ReturnType<typeof createProfileActivities>;
