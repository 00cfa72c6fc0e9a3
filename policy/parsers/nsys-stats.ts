/**
 * Nsight Systems kernel summary: `nsys stats --report cuda_gpu_kern_sum --format csv <report>.nsys-rep`
 * (nsys 2023+). Pure: no I/O.
 *
 * nsys prints its own progress lines first ("Generating SQLite file ...", "Processing [...] with
 * [...cuda_gpu_kern_sum.py]..."), then the CSV: a header row
 * `Time (%),Total Time (ns),Instances,Avg (ns),Med (ns),Min (ns),Max (ns),StdDev (ns),Name`
 * and one row per kernel, sorted by total time. Only fields that need it are quoted (kernel names
 * with commas). With `--timeunit` the header says `(us)`, `(ms)` or `(s)`; values are converted to ns.
 * The table ends at the first empty line (several reports in one run are separated by one).
 *
 * A report without kernels ("SKIPPED: ... does not contain CUDA kernel data."), an nsys error, or
 * text without the header throws {@link ProfileParseError}.
 */
import { ProfileParseError, parseCsvRecords, parseNcuNumber, unitFactor } from './profiler-csv';

export { ProfileParseError };

export interface NsysKernelSummaryRow {
  name: string;
  instances: number;
  totalNs: number;
  medianNs: number;
  timePct: number;
}

export interface NsysKernelSummary {
  kernels: NsysKernelSummaryRow[];
}

const TIME_PCT = /^Time\s*\(%\)$/i;
const TOTAL = /^Total Time\s*\((\w+)\)$/i;
const MEDIAN = /^(?:Med|Median)\s*\((\w+)\)$/i;

function headerColumns(line: string): string[] | null {
  if (!/Time\s*\(%\)/i.test(line) || !/Name/.test(line)) return null;
  try {
    const [fields] = parseCsvRecords(line);
    return fields && fields.some((f) => TIME_PCT.test(f.trim())) ? fields.map((f) => f.trim()) : null;
  } catch {
    return null;
  }
}

export function parseNsysKernelSummaryCsv(text: string): NsysKernelSummary {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '') throw new ProfileParseError('empty nsys stats output: nsys printed nothing');
  const lines = body.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => headerColumns(l) !== null);
  if (headerAt < 0) {
    const skipped = lines.find((l) => /^\s*SKIPPED:/.test(l));
    if (skipped) throw new ProfileParseError(`nsys found no CUDA kernels in the report: ${skipped.trim()}`);
    const error = lines.find((l) => /^\s*(ERROR|FATAL)\b/i.test(l));
    if (error) throw new ProfileParseError(`nsys stats failed: ${error.trim()}`);
    const first = lines.find((l) => l.trim() !== '') ?? '';
    throw new ProfileParseError(
      `not an nsys cuda_gpu_kern_sum CSV: no "Time (%),Total Time (ns),...,Name" header; first line: ${first.length > 160 ? `${first.slice(0, 160)}...` : first}`,
    );
  }
  const header = headerColumns(lines[headerAt]!)!;
  const find = (re: RegExp) => header.findIndex((h) => re.test(h));
  const timePct = find(TIME_PCT);
  const total = find(TOTAL);
  const instances = find(/^Instances$/i);
  const med = find(MEDIAN);
  const name = find(/^Name$/i);
  const missing = [
    [total, 'Total Time (ns)'],
    [instances, 'Instances'],
    [med, 'Med (ns)'],
    [name, 'Name'],
  ].filter(([i]) => i === -1).map(([, label]) => label);
  if (missing.length > 0) throw new ProfileParseError(`nsys kernel summary without column(s) ${missing.join(', ')}; header: ${header.join(',')}`);
  const factorOf = (column: number, re: RegExp): number => {
    const unit = re.exec(header[column]!)![1]!;
    const factor = unitFactor(unit, 'time');
    if (factor === null) throw new ProfileParseError(`nsys kernel summary column "${header[column]}": unknown time unit "${unit}"`);
    return factor;
  };
  const totalFactor = factorOf(total, TOTAL);
  const medFactor = factorOf(med, MEDIAN);

  let end = headerAt + 1;
  while (end < lines.length && lines[end]!.trim() !== '') end += 1;
  const records = parseCsvRecords(lines.slice(headerAt + 1, end).join('\n'));
  if (records.length === 0) throw new ProfileParseError('nsys kernel summary has a header but no kernels');

  const kernels = records.map((row, k) => {
    const rowNumber = headerAt + 2 + k;
    if (row.length !== header.length) {
      throw new ProfileParseError(`nsys kernel summary line ${rowNumber}: ${row.length} fields where the header has ${header.length}`);
    }
    const number = (column: number, label: string): number => {
      const value = parseNcuNumber(row[column]!);
      if (value === null || value < 0) throw new ProfileParseError(`nsys kernel summary line ${rowNumber}: ${label} "${row[column]}" is not a number`);
      return value;
    };
    const count = number(instances, 'Instances');
    if (!Number.isInteger(count)) throw new ProfileParseError(`nsys kernel summary line ${rowNumber}: Instances "${row[instances]}" is not a whole number`);
    const kernelName = row[name]!.trim();
    if (kernelName === '') throw new ProfileParseError(`nsys kernel summary line ${rowNumber}: empty kernel name`);
    return {
      name: kernelName,
      instances: count,
      totalNs: number(total, 'Total Time') * totalFactor,
      medianNs: number(med, 'Med') * medFactor,
      timePct: number(timePct, 'Time (%)'),
    };
  });
  return { kernels };
}
