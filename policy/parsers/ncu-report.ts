/**
 * Nsight Compute reports (tier 1 of two-tier profiling). Pure: no I/O.
 *
 * Two CSV shapes are read, both printed by `ncu --import <report>.ncu-rep` from a report written
 * with `ncu -o <report> ...`:
 *  - details page, `ncu --import r.ncu-rep --csv` (also `--set full`): one row per metric
 *    (`"ID","Process ID",...,"Kernel Name",...,"Section Name","Metric Name","Metric Unit","Metric Value"`)
 *    plus one row per rule result (`"Rule Name","Rule Type","Rule Description",
 *    "Estimated Speedup Type","Estimated Speedup"`). Metric rows end after "Metric Value".
 *  - raw page, `ncu --import r.ncu-rep --csv --page raw --print-units base`: row 1 the header
 *    (metric names such as `gpu__time_duration.sum`), row 2 the units, then one row per launch.
 *
 * Values carry thousands separators ("1,840,128") and the unit the CSV names (ns/usecond/ms,
 * byte/Kbyte/Mbyte/Gbyte, %): everything is converted to ns, bytes and percent.
 *
 * ncu's live stdout (`ncu --csv ./program`) is rejected on purpose: it mixes `==PROF==` lines and
 * the program's own output into the CSV, and a program's line can look like a CSV row. Write the
 * report with `-o` and read it back with `--import`.
 *
 * Anything that cannot be read throws {@link ProfileParseError} with a message saying what was
 * missing: a broken profile never becomes a zero score.
 */
import { ProfileParseError, parseCsvRecords, parseNcuNumber, unitFactor, type UnitKind } from './profiler-csv';

export interface NcuRule {
  name: string;
  /** ncu's rule type: "OPT" (optimization opportunity), "INF" (information), "WRN", ... */
  type: string;
  /** e.g. "Est. Speedup" percent, when given */
  estimatedSpeedupPct: number | null;
  description: string;
  /** "local" (speedup of the unit the rule looks at) or "global" (of the whole kernel), when given. */
  estimatedSpeedupType?: string | null;
}

export interface NcuKernelProfile {
  kernelName: string;
  launchId: number;
  durationNs: number;
  smThroughputPct: number;
  memoryThroughputPct: number;
  dramThroughputPct: number | null;
  dramBytes: number | null;
  achievedOccupancyPct: number | null;
  rules: NcuRule[];
}

export interface NcuSummary {
  kernelName: string;
  launches: number;
  medianDurationNs: number;
  smThroughputPct: number;
  memoryThroughputPct: number;
  dramThroughputPct: number | null;
  achievedOccupancyPct: number | null;
  bottleneck: 'compute' | 'memory';
  /** by estimated speedup desc (rules without one last), at most 3, duplicates across launches merged */
  topRules: NcuRule[];
}

// ---------------------------------------------------------------------------------------------
// Building one launch's profile from its metrics

interface MetricEntry {
  unit: string;
  value: string;
}

type Metrics = Map<string, MetricEntry[]>;

function addMetric(metrics: Metrics, name: string, entry: MetricEntry): void {
  const list = metrics.get(name);
  if (list) list.push(entry);
  else metrics.set(name, [entry]);
}

/** First metric among `names` (in preference order) with a unit of `kind` and a numeric value, converted. */
function pick(metrics: Metrics, names: string[], kind: UnitKind): number | null {
  for (const name of names) {
    for (const entry of metrics.get(name) ?? []) {
      const factor = unitFactor(entry.unit, kind);
      if (factor === null) continue;
      const value = parseNcuNumber(entry.value);
      if (value === null) continue;
      return value * factor;
    }
  }
  return null;
}

/** Metric names (raw page and `--metrics`) first, then the section's display names (details page). */
const DURATION = ['gpu__time_duration.sum', 'gpu__time_duration.avg', 'Duration'];
const SM_THROUGHPUT = ['sm__throughput.avg.pct_of_peak_sustained_elapsed', 'Compute (SM) Throughput'];
const MEMORY_THROUGHPUT = ['gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed', 'Memory Throughput'];
const DRAM_THROUGHPUT = ['dram__throughput.avg.pct_of_peak_sustained_elapsed', 'DRAM Throughput'];
const DRAM_BYTES = ['dram__bytes.sum'];
const ACHIEVED_OCCUPANCY = ['sm__warps_active.avg.pct_of_peak_sustained_active', 'Achieved Occupancy'];

function buildProfile(launchId: number, kernelName: string, metrics: Metrics, rules: NcuRule[]): NcuKernelProfile {
  const where = `launch ${launchId} (${kernelName})`;
  const need = (value: number | null, what: string, names: string[], hint: string): number => {
    if (value === null || !Number.isFinite(value)) {
      throw new ProfileParseError(`${where}: no ${what} in the report (looked for ${names.map((n) => `"${n}"`).join(', ')}); ${hint}`);
    }
    return value;
  };
  const sol = 'profile with --section SpeedOfLight (or --set full)';
  const durationNs = Math.round(need(pick(metrics, DURATION, 'time'), 'kernel duration', DURATION, sol));
  const smThroughputPct = need(pick(metrics, SM_THROUGHPUT, 'percent'), 'compute (SM) throughput %', SM_THROUGHPUT, sol);
  const memoryThroughputPct = need(pick(metrics, MEMORY_THROUGHPUT, 'percent'), 'memory throughput %', MEMORY_THROUGHPUT, sol);
  let dramBytes = pick(metrics, DRAM_BYTES, 'bytes');
  if (dramBytes === null) {
    const read = pick(metrics, ['dram__bytes_read.sum'], 'bytes');
    const write = pick(metrics, ['dram__bytes_write.sum'], 'bytes');
    if (read !== null && write !== null) dramBytes = read + write;
  }
  return {
    kernelName,
    launchId,
    durationNs,
    smThroughputPct,
    memoryThroughputPct,
    dramThroughputPct: pick(metrics, DRAM_THROUGHPUT, 'percent'),
    dramBytes: dramBytes === null ? null : Math.round(dramBytes),
    achievedOccupancyPct: pick(metrics, ACHIEVED_OCCUPANCY, 'percent'),
    rules,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading the CSV text

function firstLine(text: string): string {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.length > 160 ? `${line.slice(0, 160)}...` : line;
}

/**
 * The text must begin with ncu's header row. Live stdout (==PROF== lines, the program's output)
 * and tool errors are recognized and explained.
 */
function headerRecords(text: string, page: 'details' | 'raw'): string[][] {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ProfileParseError(`empty ncu ${page} report: ncu printed nothing (did the kernel filter match any launch?)`);
  const error = body.split(/\r?\n/).find((l) => /^==ERROR==/.test(l.trim()));
  if (error) throw new ProfileParseError(`ncu reported an error instead of a profile: ${error.trim()}`);
  const head = firstLine(body);
  if (!/^"?ID"?,/.test(head.trim())) {
    if (/^==(PROF|WARNING|INFO)==/m.test(body)) {
      throw new ProfileParseError(
        'this is ncu live stdout (==PROF== lines and the program\'s own output mixed into the CSV), not an imported report: ' +
          'profile with `ncu -o <report> ...` and read it with `ncu --import <report>.ncu-rep --csv`',
      );
    }
    throw new ProfileParseError(`not an ncu CSV report: expected a header row beginning with "ID", got: ${head}`);
  }
  const records = parseCsvRecords(body);
  if (records.length < 2) throw new ProfileParseError(`ncu ${page} report has a header but no launches: no kernel was profiled (check the -k filter and --launch-skip)`);
  return records;
}

function columnIndex(header: string[]): (names: string[]) => number {
  const index = new Map<string, number>();
  header.forEach((name, i) => {
    if (!index.has(name.trim())) index.set(name.trim(), i);
  });
  return (names) => {
    for (const name of names) {
      const i = index.get(name);
      if (i !== undefined) return i;
    }
    return -1;
  };
}

function launchIdOf(cell: string | undefined, rowNumber: number): number {
  const s = (cell ?? '').trim();
  if (/^==[A-Z]+==/.test(s)) {
    throw new ProfileParseError(`row ${rowNumber}: "${s.slice(0, 80)}" is ncu live stdout mixed into the CSV: profile with \`ncu -o <report>\` and read it with \`ncu --import <report>.ncu-rep --csv\``);
  }
  if (!/^\d+$/.test(s)) {
    const shown = s.length > 80 ? `${s.slice(0, 80)}...` : s;
    throw new ProfileParseError(`row ${rowNumber}: launch ID "${shown}" is not a number (stray output mixed into the CSV?)`);
  }
  return Number(s);
}

/** `ncu --import r.ncu-rep --csv` (details page, one row per metric; `--set full` too). */
export function parseNcuDetailsCsv(text: string): NcuKernelProfile[] {
  const records = headerRecords(text, 'details');
  const header = records[0]!;
  const col = columnIndex(header);
  const id = col(['ID']);
  const kernel = col(['Kernel Name', 'Function Name']);
  const metricName = col(['Metric Name']);
  const metricUnit = col(['Metric Unit']);
  const metricValue = col(['Metric Value']);
  if (metricName < 0 || metricValue < 0) {
    if (header.some((h) => h.includes('__'))) {
      throw new ProfileParseError('this is the raw page of an ncu report (one column per metric), not the details page: read it with parseNcuRawCsv');
    }
    throw new ProfileParseError(`ncu details CSV without "Metric Name"/"Metric Value" columns; header: ${header.slice(0, 20).join(', ')}`);
  }
  if (kernel < 0) throw new ProfileParseError('ncu details CSV without a "Kernel Name" column');
  const ruleName = col(['Rule Name']);
  const ruleType = col(['Rule Type']);
  const ruleDescription = col(['Rule Description']);
  const speedupType = col(['Estimated Speedup Type']);
  const speedup = col(['Estimated Speedup']);

  interface Launch { kernelName: string; metrics: Metrics; rules: NcuRule[] }
  const launches = new Map<number, Launch>();
  records.slice(1).forEach((row, k) => {
    const rowNumber = k + 2;
    const launchId = launchIdOf(row[id], rowNumber);
    const kernelName = (row[kernel] ?? '').trim();
    let launch = launches.get(launchId);
    if (!launch) {
      launch = { kernelName, metrics: new Map(), rules: [] };
      launches.set(launchId, launch);
    }
    const name = (row[metricName] ?? '').trim();
    if (name !== '') addMetric(launch.metrics, name, { unit: metricUnit >= 0 ? row[metricUnit] ?? '' : '', value: row[metricValue] ?? '' });
    const rule = ruleName >= 0 ? (row[ruleName] ?? '').trim() : '';
    if (rule !== '') {
      const cell = (i: number) => (i >= 0 ? (row[i] ?? '').trim() : '');
      const type = cell(speedupType);
      launch.rules.push({
        name: rule,
        type: cell(ruleType),
        estimatedSpeedupPct: parseNcuNumber(cell(speedup)),
        description: cell(ruleDescription),
        estimatedSpeedupType: type === '' ? null : type,
      });
    }
  });
  if (launches.size === 0) throw new ProfileParseError('ncu details report without any launch rows');
  return [...launches.entries()].map(([launchId, l]) => buildProfile(launchId, l.kernelName, l.metrics, l.rules));
}

/** `ncu --import r.ncu-rep --csv --page raw --print-units base` (header row, units row, one row per launch). */
export function parseNcuRawCsv(text: string): NcuKernelProfile[] {
  const records = headerRecords(text, 'raw');
  const header = records[0]!;
  const col = columnIndex(header);
  if (col(['Metric Name']) >= 0) throw new ProfileParseError('this is the details page of an ncu report (one row per metric), not the raw page: read it with parseNcuDetailsCsv');
  const id = col(['ID']);
  const kernel = col(['Kernel Name', 'Function Name']);
  if (kernel < 0) throw new ProfileParseError('ncu raw CSV without a "Kernel Name" column');
  const units = records[1]!;
  if ((units[id] ?? '').trim() !== '') {
    throw new ProfileParseError('ncu raw CSV without its units row (row 2): print it with `--page raw --csv --print-units base`');
  }
  const rows = records.slice(2);
  if (rows.length === 0) throw new ProfileParseError('ncu raw report has a header and units but no launches: no kernel was profiled');
  return rows.map((row, k) => {
    const rowNumber = k + 3;
    if (row.length !== header.length) {
      throw new ProfileParseError(`row ${rowNumber}: ${row.length} fields where the header has ${header.length} (truncated or mixed output?)`);
    }
    const launchId = launchIdOf(row[id], rowNumber);
    const metrics: Metrics = new Map();
    header.forEach((name, i) => {
      if (name.includes('__') || name === 'Duration') addMetric(metrics, name.trim(), { unit: units[i] ?? '', value: row[i] ?? '' });
    });
    return buildProfile(launchId, (row[kernel] ?? '').trim(), metrics, []);
  });
}

/** Either page: the details page when the header has "Metric Name", else the raw page. */
export function parseNcuCsv(text: string): NcuKernelProfile[] {
  const head = firstLine(text.replace(/^\uFEFF/, ''));
  return /"?Metric Name"?/.test(head) ? parseNcuDetailsCsv(text) : parseNcuRawCsv(text);
}
