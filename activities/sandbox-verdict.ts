/**
 * The unforgeable verdict. The task's checker
 * (harness files named `checker*`: input generator + reference + comparison, no generated code)
 * is built into `<run folder>.trusted`, a folder the candidate's sandbox cannot write to or even see.
 * The trusted driver (this file, in the worker) asks the checker for input frames drawn from a seed
 * the candidate never sees, feeds them to the candidate (harness + solution) in its own sandbox,
 * times each answer from outside, and hands the answers to the checker, whose exit status and
 * verdict line are the verdict. Whatever the candidate prints, writes or returns cannot make a pass.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TaskFileContent } from '../policy/schemas/task-schema';
import { decodeFrames, FrameReader, writeAll } from './sandbox-frames';
import { AnswerSpool } from './sandbox-answer-spool';
import { handOverFolder } from './sandbox-folder';
import { PROTOCOL_HEADER, PROTOCOL_HEADER_NAME } from './sandbox-protocol-header';
import { runProcess, type ProcessResult, type ResourceLimits, type SandboxRuntime } from './run-process';

import { isCheckerFile } from '../policy/schemas/task-wiring';

/** The one rule of which harness file is the trusted checker lives with the task's wiring check. */
export { isCheckerFile };

export function trustedFolder(runFolder: string): string {
  return `${runFolder.replace(/\/+$/, '')}.trusted`;
}

export function hasChecker(runFolder: string): boolean {
  return existsSync(join(trustedFolder(runFolder), 'checker'));
}

/** What every step of the driver shares. */
export interface DriverContext {
  sandbox: SandboxRuntime | undefined;
  timeoutS: number;
  keepChars: number;
  onTick?: () => void;
  signal?: AbortSignal;
  /** Further folders the candidate's step sees read-only (a profiler installed outside /usr). */
  readOnly?: readonly string[];
}

/** Answers are at most this big in total: a candidate that floods stdout is stopped, not buffered. */
const ANSWER_CAP = 1024 * 1024 * 1024;
const CHECKER_LIMITS: ResourceLimits = { cpuSeconds: 600, memoryMb: 8192, maxProcesses: 64, maxFileMb: 256, diskMb: 1024 };

function box(ctx: DriverContext, writable: string, gpu: boolean, name: string, readOnly?: string[]) {
  return ctx.sandbox ? { ...ctx.sandbox, writable, gpu, name, readOnly } : undefined;
}

/** Writes the protocol header into a folder (the candidate's harness and the checker include it). */
export async function writeProtocolHeader(folder: string): Promise<void> {
  await writeFile(join(folder, PROTOCOL_HEADER_NAME), PROTOCOL_HEADER, 'utf8');
}

/**
 * Builds the checker from the task's checker files alone, with g++ (a checker is host C++ even for a
 * CUDA task). Returns null when the task has no checker; a failing build is the task's fault.
 */
export async function buildChecker(files: readonly TaskFileContent[], runFolder: string, ctx: DriverContext, cacheRoot?: string): Promise<ProcessResult | null> {
  const mine = files.filter((f) => isCheckerFile(f.path));
  if (mine.length === 0) return null;
  const folder = trustedFolder(runFolder);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  for (const f of mine) await writeFile(join(folder, f.path), f.content, 'utf8');
  await writeProtocolHeader(folder);
  // The same checker sources give the same binary: built once per host (a task's runs share it).
  const hash = createHash('sha256');
  for (const f of [...mine].sort((a, b) => a.path.localeCompare(b.path))) hash.update(`${f.path}\0${f.content}\0`);
  hash.update(PROTOCOL_HEADER);
  const cached = cacheRoot ? join(cacheRoot, hash.digest('hex').slice(0, 32)) : null;
  if (cached && existsSync(join(cached, 'checker'))) {
    await copyFile(join(cached, 'checker'), join(folder, 'checker'));
    await chmod(join(folder, 'checker'), 0o755);
    if (ctx.sandbox) await handOverFolder(folder, ctx.sandbox.settings.runAs);
    return { exitCode: 0, signal: null, timedOut: false, cancelled: false, output: '', durationMs: 0, limitKill: null };
  }
  if (ctx.sandbox) await handOverFolder(folder, ctx.sandbox.settings.runAs);
  const result = await compileChecker(mine, folder, ctx);
  if (cached && result.exitCode === 0 && !result.timedOut) {
    // Written aside and renamed: two builds at once never see half a binary.
    const aside = `${cached}.${process.pid}.${Date.now()}`;
    try {
      await mkdir(aside, { recursive: true });
      await copyFile(join(folder, 'checker'), join(aside, 'checker'));
      await rename(aside, cached);
    } catch {
      await rm(aside, { recursive: true, force: true }); // another build was first
    }
  }
  return result;
}

function compileChecker(mine: readonly TaskFileContent[], folder: string, ctx: DriverContext): Promise<ProcessResult> {
  const sources = mine.map((f) => f.path).filter((p) => /\.(cpp|cc|cxx)$/.test(p));
  return runProcess({
    command: ['g++', '-std=c++17', '-O2', '-o', 'checker', ...sources],
    cwd: folder,
    timeoutMs: ctx.timeoutS * 1000,
    keepChars: ctx.keepChars,
    env: ctx.sandbox ? {} : undefined,
    sandbox: box(ctx, folder, false, 'checker-build'),
    limits: ctx.sandbox ? CHECKER_LIMITS : undefined,
    onTick: ctx.onTick,
    signal: ctx.signal,
  });
}

export interface CheckedRun {
  /** How the candidate ended, its stderr (verdict lines it printed neutralized) and the checker's verdict line. */
  result: ProcessResult;
  /** Round-trip time of each answer, measured by the driver (ms). */
  answerMs: number[];
  /**
   * CPU time the candidate's processes used for each answer (ms, every thread), read from the run's
   * cgroup around the same round trip; null where the run has no cgroup. Unlike the wall time it
   * does not grow when other programs share the host's cores.
   */
  answerCpuMs: number[] | null;
  /** From the checker's header: the benchmark's kernel name and repetition counts. */
  bench: { kernel: string; short: number; long: number } | null;
}

/** Ends every candidate-printed verdict line's power: only the checker's verdict counts. */
export function neutralizeVerdicts(output: string): string {
  return output.replace(/KISYSTEM_VERDICT:/g, 'KISYSTEM_VERDICT (printed by the candidate, ignored)').replace(/KISYSTEM_BENCH/g, 'KISYSTEM_BENCH (printed by the candidate, ignored)');
}

async function checkerStep(runFolder: string, args: string[], ctx: DriverContext, feed: ((stdin: Writable) => Promise<void>) | null): Promise<{ result: ProcessResult; stdout: Buffer }> {
  const folder = trustedFolder(runFolder);
  let stdout: Buffer = Buffer.alloc(0);
  const result = await runProcess({
    command: ['./checker', ...args],
    cwd: folder,
    timeoutMs: ctx.timeoutS * 1000,
    keepChars: ctx.keepChars,
    env: ctx.sandbox ? {} : undefined,
    sandbox: box(ctx, folder, false, 'checker'),
    limits: ctx.sandbox ? CHECKER_LIMITS : undefined,
    onTick: ctx.onTick,
    signal: ctx.signal,
    interact: async ({ stdin: input, stdout: output }) => {
      const reader = new FrameReader(output, ANSWER_CAP * 2);
      const fed = feed ? feed(input) : Promise.resolve(input.end());
      [stdout] = await Promise.all([reader.rest(), fed]);
    },
  });
  return { result, stdout };
}

/**
 * The order a run asks its cases in. Test: as made. Bench: the warm-up first, then each (short,
 * long) pair in an order drawn from the secret seed, so a candidate cannot tell a pair's frames
 * apart by their position (stalling on every other frame no longer shortens the difference).
 */
export function caseOrder(mode: 'test' | 'bench', seed: number, count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (mode !== 'bench') return order;
  const bits = createHmac('sha256', String(seed)).update(`kisystem bench order ${count}`).digest();
  for (let i = 1, pair = 0; i + 1 < count; i += 2, pair++) {
    if ((bits[(pair >> 3) % bits.length]! >> (pair & 7)) & 1) [order[i], order[i + 1]] = [order[i + 1]!, order[i]!];
  }
  return order;
}

/**
 * One checked run of the candidate: `mode` 'test' (the verdict) or 'bench' (trusted times too).
 * `command` runs in the run folder's sandbox with `limits`; `seed` never reaches the candidate.
 */
export async function runChecked(
  mode: 'test' | 'bench',
  seed: number,
  runFolder: string,
  command: readonly string[],
  limits: ResourceLimits | undefined,
  gpu: boolean,
  ctx: DriverContext,
): Promise<CheckedRun> {
  const cases = await checkerStep(runFolder, ['cases', mode, String(seed)], ctx, null);
  if (cases.result.exitCode !== 0 || cases.result.cancelled) {
    if (cases.result.cancelled) return { result: cases.result, answerMs: [], answerCpuMs: null, bench: null };
    throw new CheckerBrokenError(`the task's checker failed to make its ${mode} inputs: ${cases.result.output.slice(-400)}`);
  }
  const newline = cases.stdout.indexOf(0x0a);
  const header = cases.stdout.subarray(0, newline).toString('utf8');
  const m = /^KIO_CASES count=(\d+) kernel=(\S+) short=(\d+) long=(\d+)$/.exec(header);
  if (!m) throw new CheckerBrokenError(`the task's checker printed no KIO_CASES header: ${header.slice(0, 200)}`);
  const frames = decodeFrames(cases.stdout, newline + 1);
  const spool = new AnswerSpool(join(trustedFolder(runFolder), 'answers.frames'));
  try {
    const byCase: number[] = [];
    const cpuByCase: number[] = [];
    let cpuTimed = false;
    const candidate = await runProcess({
      command,
      cwd: runFolder,
      timeoutMs: ctx.timeoutS * 1000,
      keepChars: ctx.keepChars,
      env: ctx.sandbox ? {} : undefined,
      sandbox: box(ctx, runFolder, gpu, mode, ctx.readOnly ? [...ctx.readOnly] : undefined),
      limits,
      onTick: ctx.onTick,
      signal: ctx.signal,
      interact: async ({ stdin, stdout, cpuNs }) => {
        cpuTimed = cpuNs !== null;
        // Answers go to the spool as they arrive: the worker never holds them (a flood of frames blocks the candidate).
        const reader = new FrameReader(stdout, ANSWER_CAP);
        const head = Buffer.alloc(8);
        for (const index of caseOrder(mode, seed, frames.length)) {
          const frame = frames[index]!;
          head.writeBigUInt64LE(BigInt(frame.length));
          const cpu0 = cpuNs?.() ?? 0;
          const t0 = process.hrtime.bigint();
          if (!(await writeAll(stdin, head)) || !(await writeAll(stdin, frame))) break;
          if (!(await spool.take(index, reader))) break;
          byCase[index] = Number(process.hrtime.bigint() - t0) / 1e6;
          if (cpuNs) cpuByCase[index] = (cpuNs() - cpu0) / 1e6;
        }
        reader.discardRest();
        stdin.end();
      },
    });
    const answerMs = byCase.slice(0, spool.answered());
    const answerCpuMs = cpuTimed ? cpuByCase.slice(0, spool.answered()) : null;
    const candidateOutput = neutralizeVerdicts(candidate.output);
    const crashed = candidate.exitCode !== 0 || candidate.signal !== null || candidate.timedOut || candidate.cancelled || candidate.limitKill;
    if (crashed) return { result: { ...candidate, output: candidateOutput }, answerMs, answerCpuMs, bench: null };
    const verify = await checkerStep(runFolder, ['verify', mode, String(seed)], ctx, (stdin) => spool.streamTo(stdin));
    if (verify.result.cancelled) return { result: verify.result, answerMs, answerCpuMs, bench: null };
    const verdict = verify.stdout.toString('utf8').trim().split('\n').filter((l) => l.startsWith('KISYSTEM_VERDICT:')).pop();
    if (!verdict || (verify.result.exitCode !== 0 && verify.result.exitCode !== 1)) {
      throw new CheckerBrokenError(`the task's checker failed to judge the answers: ${verify.result.output.slice(-400)}`);
    }
    const output = `${candidateOutput.trimEnd()}\n[verdict of the task's trusted checker]\n${verdict}\n`.replace(/^\n/, '');
    return {
      result: { ...candidate, exitCode: verify.result.exitCode, output },
      answerMs,
      answerCpuMs,
      bench: { kernel: m[2]!, short: Number(m[3]), long: Number(m[4]) },
    };
  } finally {
    await spool.remove();
  }
}

/**
 * Kernel times from a bench run's answer times (by case): case 0 is a warm-up, then pairs (short,
 * long) of the same size; the difference removes the fixed cost of moving the data through the
 * pipes. A pair whose long frame took no longer than its short one cannot be a measurement (a
 * candidate that stalls on short frames makes it so): the whole benchmark is refused, never clamped.
 */
export function benchTimesMs(answerMs: readonly number[], short: number, long: number): number[] {
  const times: number[] = [];
  for (let i = 1; i + 1 < answerMs.length; i += 2) {
    const diff = answerMs[i + 1]! - answerMs[i]!;
    if (!(diff > 0)) {
      throw new ImplausibleBenchTimesError(
        `pair ${(i + 1) / 2}: the frame with ${long} calls answered in ${answerMs[i + 1]!.toFixed(3)} ms, no later than the frame with ${short} in ${answerMs[i]!.toFixed(3)} ms: not a kernel time (work done outside the timed calls, or a stall on the short frame)`,
      );
    }
    times.push(diff / (long - short));
  }
  return times;
}

/** Bench answer times that cannot be a measurement: the benchmark is refused. */
export class ImplausibleBenchTimesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImplausibleBenchTimesError';
  }
}

/** The task's checker itself is broken (it cannot make inputs or judge): the task's fault, never the model's. */
export class CheckerBrokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckerBrokenError';
  }
}
