/**
 * The line a task's benchmark program prints for tier 0 of two-tier profiling. Pure: no I/O.
 *
 * Format (one line each, on stdout, anywhere among the program's other output):
 *
 *     KISYSTEM_BENCH kernel=<name> ms=<float>                           one line per timed repetition
 *     KISYSTEM_BENCH kernel=<name> median_ms=<float> reps=<int>         or one summary line
 *
 * - The line begins with `KISYSTEM_BENCH` (leading blanks and a trailing `\r` are allowed),
 *   followed by blank-separated `key=value` fields in any order.
 * - `kernel`: the kernel's name without blanks (e.g. `mm_tiled`), the same on every line.
 * - `ms`: one repetition's kernel time in milliseconds (CUDA events around the launch, after
 *   warm-up, synchronized). `median_ms` + `reps`: the median of `reps` repetitions the program
 *   timed itself. Times are decimal numbers > 0 (`0.125`, `1.5e-3`); `reps` an integer >= 1.
 * - A program uses one style: per-repetition lines or a single summary line, not both.
 * - Other keys (`gflops=`, `gbps=`, ...) are allowed and ignored; so is all other output.
 *
 * Example (CUDA):
 *
 *     for (int i = 0; i < reps; ++i) {
 *       cudaEventRecord(start); kernel<<<grid, block>>>(...); cudaEventRecord(stop);
 *       cudaEventSynchronize(stop); float ms; cudaEventElapsedTime(&ms, start, stop);
 *       printf("KISYSTEM_BENCH kernel=mm_tiled ms=%.6f\n", ms);
 *     }
 *
 * A malformed `KISYSTEM_BENCH` line, no such line, lines for several kernels (without choosing
 * one), or both styles mixed throw {@link ProfileParseError} with the line number.
 */
import { ProfileParseError } from './profiler-csv';
import { median } from '../rules/numbers';

export { ProfileParseError };

export const BENCH_LINE_PREFIX = 'KISYSTEM_BENCH';

export interface BenchResult {
  kernel: string;
  /** One time per repetition, in the order printed; the single median for a summary line. */
  timesMs: number[];
  medianMs: number;
  /** Number of repetitions: the count of `ms=` lines, or `reps=` of the summary line. */
  reps: number;
}

const DECIMAL = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function positiveMs(raw: string, key: string, lineNumber: number): number {
  const value = DECIMAL.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new ProfileParseError(`benchmark line ${lineNumber}: ${key}="${raw}" is not a time in ms > 0`);
  }
  return value;
}


interface KernelLines {
  times: number[];
  summary: { medianMs: number; reps: number; lineNumber: number } | null;
}

/**
 * Reads the `KISYSTEM_BENCH` lines out of a benchmark program's output.
 * @param options.kernel take this kernel's lines when the program benchmarks several
 */
export function parseBenchLines(output: string, options: { kernel?: string } = {}): BenchResult {
  const byKernel = new Map<string, KernelLines>();
  output.split('\n').forEach((rawLine, index) => {
    const lineNumber = index + 1;
    const line = rawLine.replace(/\r$/, '').trim();
    if (!line.startsWith(BENCH_LINE_PREFIX)) return;
    const rest = line.slice(BENCH_LINE_PREFIX.length);
    if (rest !== '' && !/^\s/.test(rest)) return; // KISYSTEM_BENCHMARK..., not ours
    const fields = new Map<string, string>();
    for (const token of rest.trim().split(/\s+/).filter((t) => t !== '')) {
      const eq = token.indexOf('=');
      if (eq <= 0) throw new ProfileParseError(`benchmark line ${lineNumber}: "${token}" is not key=value (expected ${BENCH_LINE_PREFIX} kernel=<name> ms=<float>)`);
      const key = token.slice(0, eq);
      if (fields.has(key)) throw new ProfileParseError(`benchmark line ${lineNumber}: ${key}= given twice`);
      fields.set(key, token.slice(eq + 1));
    }
    const kernel = fields.get('kernel');
    if (!kernel) throw new ProfileParseError(`benchmark line ${lineNumber}: no kernel=<name> (expected ${BENCH_LINE_PREFIX} kernel=<name> ms=<float>)`);
    let entry = byKernel.get(kernel);
    if (!entry) {
      entry = { times: [], summary: null };
      byKernel.set(kernel, entry);
    }
    const ms = fields.get('ms');
    const medianMs = fields.get('median_ms');
    if (ms !== undefined && medianMs !== undefined) throw new ProfileParseError(`benchmark line ${lineNumber}: both ms= and median_ms= on one line`);
    if (ms !== undefined) {
      if (entry.summary) throw new ProfileParseError(`benchmark line ${lineNumber}: kernel ${kernel} mixes per-repetition ms= lines with a median_ms= line (line ${entry.summary.lineNumber})`);
      entry.times.push(positiveMs(ms, 'ms', lineNumber));
    } else if (medianMs !== undefined) {
      if (entry.times.length > 0) throw new ProfileParseError(`benchmark line ${lineNumber}: kernel ${kernel} mixes a median_ms= line with per-repetition ms= lines`);
      if (entry.summary) throw new ProfileParseError(`benchmark line ${lineNumber}: a second median_ms= line for kernel ${kernel} (first on line ${entry.summary.lineNumber})`);
      const repsRaw = fields.get('reps');
      if (repsRaw === undefined || !/^\d+$/.test(repsRaw) || Number(repsRaw) < 1) {
        throw new ProfileParseError(`benchmark line ${lineNumber}: median_ms= needs reps=<integer >= 1>, got ${repsRaw === undefined ? 'none' : `"${repsRaw}"`}`);
      }
      entry.summary = { medianMs: positiveMs(medianMs, 'median_ms', lineNumber), reps: Number(repsRaw), lineNumber };
    } else {
      throw new ProfileParseError(`benchmark line ${lineNumber}: no ms=<float> or median_ms=<float> for kernel ${kernel}`);
    }
  });

  if (byKernel.size === 0) {
    throw new ProfileParseError(`no ${BENCH_LINE_PREFIX} line in the benchmark output: the program must print "${BENCH_LINE_PREFIX} kernel=<name> ms=<float>" per repetition`);
  }
  let kernel: string;
  if (options.kernel !== undefined) {
    if (!byKernel.has(options.kernel)) {
      throw new ProfileParseError(`no ${BENCH_LINE_PREFIX} line for kernel ${options.kernel}; the output has ${[...byKernel.keys()].join(', ')}`);
    }
    kernel = options.kernel;
  } else if (byKernel.size > 1) {
    throw new ProfileParseError(`${BENCH_LINE_PREFIX} lines for several kernels (${[...byKernel.keys()].join(', ')}): say which one to time`);
  } else {
    kernel = [...byKernel.keys()][0]!;
  }
  const entry = byKernel.get(kernel)!;
  if (entry.summary) return { kernel, timesMs: [entry.summary.medianMs], medianMs: entry.summary.medianMs, reps: entry.summary.reps };
  return { kernel, timesMs: entry.times, medianMs: median(entry.times), reps: entry.times.length };
}
