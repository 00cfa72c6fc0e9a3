/**
 * Cachegrind reports (tier 1 of two-tier profiling for C++ tasks). Pure: no I/O.
 *
 * Reads the file `valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes
 * --cachegrind-out-file=<file>` writes (the format cg_annotate reads: `desc:`, `cmd:`, `events:`,
 * then `fl=<file>` / `fn=<function>` headers each followed by `<line> <count>...` rows, and a
 * `summary:` row of the program's totals). A function's rows may appear under several `fl=` headers
 * (code inlined from headers): its totals are the sum over all of them.
 *
 * The kernel is what the benchmark times: the functions whose name matches the task's
 * `kernel_regex` or that have a line in the solution file (built with -g). When none does, the whole
 * program counts (the summary says so).
 *
 * Estimated cycles follow KCachegrind's cycle estimation: Ir + 10 x (L1 misses) + 100 x (LL misses)
 * + 10 x (mispredicted branches). Anything that cannot be read throws ProfileParseError: a broken
 * profile never becomes a score.
 */
import { ProfileParseError } from './profiler-csv';

/** The events cachegrind counts with --cache-sim=yes --branch-sim=yes, in its order. */
export const CACHEGRIND_EVENTS = ['Ir', 'I1mr', 'ILmr', 'Dr', 'D1mr', 'DLmr', 'Dw', 'D1mw', 'DLmw', 'Bc', 'Bcm', 'Bi', 'Bim'] as const;
type EventName = (typeof CACHEGRIND_EVENTS)[number];
export type EventCounts = Record<EventName, number>;

/** The cycle-estimate weights (KCachegrind): an L1 miss costs 10 cycles, an LL miss 100, a mispredicted branch 10. */
export const CYCLE_WEIGHTS = { l1Miss: 10, llMiss: 100, mispredict: 10 } as const;

export interface CachegrindLine {
  file: string;
  fn: string;
  line: number;
  counts: EventCounts;
}

export interface CachegrindReport {
  /** The simulated caches (`desc:` lines), e.g. "D1 cache: 32768 B, 64 B, 8-way associative". */
  caches: string[];
  command: string;
  lines: CachegrindLine[];
  totals: EventCounts;
}

export interface CachegrindFunction {
  name: string;
  /** Share of the kernel's (or program's) estimated cycles, %. */
  cyclesPct: number;
  instructions: number;
  /** D1 misses per data reference, %; null without data references. */
  d1MissRatePct: number | null;
  llMisses: number;
  mispredicts: number;
}

export interface CachegrindHotLine {
  /** "file:line". */
  where: string;
  fn: string;
  cyclesPct: number;
  instructions: number;
  d1Misses: number;
  llMisses: number;
  mispredicts: number;
}

export interface CachegrindSummary {
  /** 'kernel': the functions of the kernel (`functions`); 'program': nothing matched, the whole program. */
  scope: 'kernel' | 'program';
  functions: string[];
  instructions: number;
  estimatedCycles: number;
  /** Data references that missed D1 / LL, %; branches mispredicted, %. */
  d1MissRatePct: number | null;
  llMissRatePct: number | null;
  mispredictRatePct: number | null;
  /** Where the estimated cycles go: executing instructions, cache misses, or mispredicted branches. */
  cyclesSplitPct: { instructions: number; l1Misses: number; llMisses: number; mispredicts: number };
  bottleneck: 'instructions' | 'memory' | 'branches';
  hotFunctions: CachegrindFunction[];
  hotLines: CachegrindHotLine[];
  caches: string[];
}

function zero(): EventCounts {
  return Object.fromEntries(CACHEGRIND_EVENTS.map((e) => [e, 0])) as EventCounts;
}

function add(into: EventCounts, from: EventCounts): void {
  for (const e of CACHEGRIND_EVENTS) into[e] += from[e];
}

/** Reads a cachegrind out file; throws ProfileParseError naming what is missing or malformed. */
export function parseCachegrindOut(text: string): CachegrindReport {
  const caches: string[] = [];
  let command = '';
  let events: string[] | null = null;
  let file = '???';
  let fn: string | null = null;
  const lines: CachegrindLine[] = [];
  let summary: EventCounts | null = null;
  const rows = text.split('\n');
  const countsOf = (fields: string[], at: number): EventCounts => {
    const counts = zero();
    fields.forEach((f, i) => {
      const name = events![i];
      if (!/^\d+$/.test(f)) throw new ProfileParseError(`cachegrind report line ${at}: "${f}" is not a count`);
      if (name && (CACHEGRIND_EVENTS as readonly string[]).includes(name)) counts[name as EventName] = Number(f);
    });
    return counts;
  };
  rows.forEach((raw, index) => {
    const row = raw.trimEnd();
    const at = index + 1;
    if (row === '' || row.startsWith('#')) return;
    if (row.startsWith('desc:')) caches.push(row.slice(5).trim().replace(/\s+/g, ' '));
    else if (row.startsWith('cmd:')) command = row.slice(4).trim();
    else if (row.startsWith('events:')) events = row.slice(7).trim().split(/\s+/);
    else if (row.startsWith('fl=') || row.startsWith('fi=') || row.startsWith('fe=')) file = row.slice(3);
    else if (row.startsWith('fn=')) fn = row.slice(3);
    else if (row.startsWith('summary:') || row.startsWith('totals:')) {
      if (!events) throw new ProfileParseError(`cachegrind report line ${at}: summary before the events line`);
      summary = countsOf(row.slice(row.indexOf(':') + 1).trim().split(/\s+/), at);
    } else if (/^\d/.test(row)) {
      if (!events) throw new ProfileParseError(`cachegrind report line ${at}: counts before the events line`);
      if (fn === null) throw new ProfileParseError(`cachegrind report line ${at}: counts before any fn= line`);
      const [lineNo, ...fields] = row.split(/\s+/);
      if (fields.length > events.length) throw new ProfileParseError(`cachegrind report line ${at}: ${fields.length} counts for ${events.length} events`);
      lines.push({ file, fn, line: Number(lineNo), counts: countsOf(fields, at) });
    } else if (/^[a-z]+:/.test(row)) {
      // other header lines (positions:, ...): not needed
    } else {
      throw new ProfileParseError(`cachegrind report line ${at} cannot be read: "${row.slice(0, 80)}"`);
    }
  });
  if (!events) throw new ProfileParseError('not a cachegrind report: no events line');
  const missing = ['Ir', 'D1mr', 'DLmr', 'D1mw', 'DLmw', 'Bc', 'Bcm'].filter((e) => !(events as string[]).includes(e));
  if (missing.length) throw new ProfileParseError(`the cachegrind report lacks the events ${missing.join(', ')}: run it with --cache-sim=yes --branch-sim=yes`);
  const totals = zero();
  for (const l of lines) add(totals, l.counts);
  if (summary && (summary as EventCounts).Ir !== totals.Ir) {
    throw new ProfileParseError(`the cachegrind report is incomplete: its rows count ${totals.Ir} instructions, its summary ${(summary as EventCounts).Ir}`);
  }
  if (totals.Ir === 0) throw new ProfileParseError('the cachegrind report counts no instructions: the program did not run');
  return { caches, command, lines, totals };
}

export function l1Misses(c: EventCounts): number {
  return c.I1mr + c.D1mr + c.D1mw;
}

export function llMisses(c: EventCounts): number {
  return c.ILmr + c.DLmr + c.DLmw;
}

export function mispredicts(c: EventCounts): number {
  return c.Bcm + c.Bim;
}

/** KCachegrind's cycle estimate of some counts. */
export function estimatedCycles(c: EventCounts): number {
  return c.Ir + CYCLE_WEIGHTS.l1Miss * l1Misses(c) + CYCLE_WEIGHTS.llMiss * llMisses(c) + CYCLE_WEIGHTS.mispredict * mispredicts(c);
}

function pct(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function relativeTo(file: string, folder: string | null | undefined): string {
  if (!folder) return file;
  const prefix = `${folder.replace(/\/+$/, '')}/`;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

export interface KernelScope {
  /** The task's benchmark.kernel_regex, when given. */
  kernelRegex?: string | null;
  /** The solution file's path in the run folder: functions with a line in it belong to the kernel. */
  solutionFile?: string | null;
  /** The run folder: hot lines inside it are named relative to it (as the model knows its files). */
  runFolder?: string | null;
}

/** The names of the kernel's functions in a report (see the file comment). */
export function kernelFunctions(report: CachegrindReport, scope: KernelScope): Set<string> {
  let regex: RegExp | null = null;
  if (scope.kernelRegex) {
    try {
      regex = new RegExp(scope.kernelRegex);
    } catch (error) {
      throw new ProfileParseError(`kernel_regex ${JSON.stringify(scope.kernelRegex)} is not a regular expression: ${(error as Error).message}`);
    }
  }
  const solution = scope.solutionFile ? basename(scope.solutionFile) : null;
  const names = new Set<string>();
  for (const l of report.lines) {
    if ((regex && regex.test(l.fn)) || (solution !== null && basename(l.file) === solution)) names.add(l.fn);
  }
  return names;
}

/** The figures of the kernel (or of the whole program when nothing matches): totals, hot functions and lines. */
export function summarizeCachegrind(report: CachegrindReport, scope: KernelScope, top = 5): CachegrindSummary {
  const kernel = kernelFunctions(report, scope);
  const inScope = kernel.size > 0 ? report.lines.filter((l) => kernel.has(l.fn)) : report.lines;
  const totals = zero();
  const byFunction = new Map<string, EventCounts>();
  const byLine = new Map<string, { fn: string; counts: EventCounts }>();
  for (const l of inScope) {
    add(totals, l.counts);
    const f = byFunction.get(l.fn) ?? zero();
    add(f, l.counts);
    byFunction.set(l.fn, f);
    const where = `${relativeTo(l.file, scope.runFolder)}:${l.line}`;
    const entry = byLine.get(where) ?? { fn: l.fn, counts: zero() };
    add(entry.counts, l.counts);
    byLine.set(where, entry);
  }
  const cycles = estimatedCycles(totals);
  if (totals.Ir === 0 || cycles === 0) throw new ProfileParseError('the kernel ran no instructions in the profiled benchmark');
  const split = {
    instructions: (100 * totals.Ir) / cycles,
    l1Misses: (100 * CYCLE_WEIGHTS.l1Miss * l1Misses(totals)) / cycles,
    llMisses: (100 * CYCLE_WEIGHTS.llMiss * llMisses(totals)) / cycles,
    mispredicts: (100 * CYCLE_WEIGHTS.mispredict * mispredicts(totals)) / cycles,
  };
  const memory = split.l1Misses + split.llMisses;
  const bottleneck = split.instructions >= memory && split.instructions >= split.mispredicts ? 'instructions' : memory >= split.mispredicts ? 'memory' : 'branches';
  const hotFunctions = [...byFunction.entries()]
    .map(([name, c]) => ({ name, c, cycles: estimatedCycles(c) }))
    .sort((a, b) => b.cycles - a.cycles || a.name.localeCompare(b.name))
    .slice(0, top)
    .map(({ name, c, cycles: fc }) => ({
      name,
      cyclesPct: (100 * fc) / cycles,
      instructions: c.Ir,
      d1MissRatePct: pct(c.D1mr + c.D1mw, c.Dr + c.Dw),
      llMisses: llMisses(c),
      mispredicts: mispredicts(c),
    }));
  const hotLines = [...byLine.entries()]
    .map(([where, e]) => ({ where, e, cycles: estimatedCycles(e.counts) }))
    .sort((a, b) => b.cycles - a.cycles || a.where.localeCompare(b.where))
    .slice(0, top)
    .map(({ where, e, cycles: lc }) => ({
      where,
      fn: e.fn,
      cyclesPct: (100 * lc) / cycles,
      instructions: e.counts.Ir,
      d1Misses: e.counts.D1mr + e.counts.D1mw,
      llMisses: llMisses(e.counts),
      mispredicts: mispredicts(e.counts),
    }));
  return {
    scope: kernel.size > 0 ? 'kernel' : 'program',
    functions: [...kernel].sort(),
    instructions: totals.Ir,
    estimatedCycles: cycles,
    d1MissRatePct: pct(totals.D1mr + totals.D1mw, totals.Dr + totals.Dw),
    llMissRatePct: pct(totals.DLmr + totals.DLmw, totals.Dr + totals.Dw),
    mispredictRatePct: pct(mispredicts(totals), totals.Bc + totals.Bi),
    cyclesSplitPct: split,
    bottleneck,
    hotFunctions,
    hotLines,
    caches: report.caches,
  };
}
