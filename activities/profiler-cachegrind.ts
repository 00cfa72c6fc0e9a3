/**
 * Valgrind's cachegrind as the tier-1 profiler of C++ tasks: the argument array put in front of the
 * benchmark command, and the report it leaves in the run folder (read by
 * policy/parsers/cachegrind-report.ts). Deterministic: the same binary on the same frames counts the
 * same instructions and misses, whatever else the host runs, so no run-to-run noise enters the score.
 *
 * The simulated caches are pinned (a common x86 core: 32 KiB 8-way L1s, an 8 MiB 16-way LL, 64-byte
 * lines) instead of cachegrind's default of the host's own: a score must not change with the host
 * a candidate happened to be profiled on.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { reportBase } from './profiler-ncu';

export const CACHEGRIND_CACHES = ['--I1=32768,8,64', '--D1=32768,8,64', '--LL=8388608,16,64'];

/** The report cachegrind writes for a run folder. */
export function cachegrindReportPath(runFolder: string): string {
  return `${reportBase(runFolder)}.cachegrind`;
}

/** `valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes <caches> --cachegrind-out-file=<runFolder>/prof.cachegrind`. */
export function cachegrindArgs(runFolder: string): string[] {
  return ['valgrind', '--tool=cachegrind', '--cache-sim=yes', '--branch-sim=yes', ...CACHEGRIND_CACHES, `--cachegrind-out-file=${cachegrindReportPath(runFolder)}`];
}

/** A report is a few hundred kB; a larger file was not written by cachegrind for one benchmark. */
const REPORT_CAP_BYTES = 64 * 1024 * 1024;

/** Removes an earlier report, so that a run that writes none can never be scored by an old one. */
export async function clearCachegrindReport(runFolder: string): Promise<void> {
  await rm(cachegrindReportPath(runFolder), { force: true });
}

/** The report's text; null when the run left none; throws RangeError when it is implausibly large. */
export async function readCachegrindReport(runFolder: string): Promise<string | null> {
  const path = cachegrindReportPath(runFolder);
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    if (info.size > REPORT_CAP_BYTES) throw new RangeError(`${path} has ${info.size} bytes, more than a cachegrind report of one benchmark (${REPORT_CAP_BYTES})`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
