/**
 * Nsight Compute CSV reports, on real output copied from /work/shared/fixtures/h200 (one H200,
 * Nsight Compute 2025.3.1, the 2048x2048 tiled fp32 matmul `mm_tiled`; see the fixtures README).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  parseNcuCsv,
  parseNcuDetailsCsv,
  parseNcuRawCsv,
  type NcuKernelProfile,
} from '../../policy/parsers/ncu-report';
import { summarizeNcu } from '../../policy/parsers/ncu-summary';
import { ProfileParseError, parseCsvRecords, parseNcuNumber, unitFactor } from '../../policy/parsers/profiler-csv';
import { fullProfileScore } from '../../policy/rules/two-tier';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'h200', name), 'utf8');
const details = fixture('ncu_mm_tiled_details.csv');
const raw = fixture('ncu_mm_tiled_raw.csv');
const fullset = fixture('ncu_mm_tiled_fullset.csv');
const liveStdout = fixture('ncu_live_stdout_sol.csv');

const KERNEL = 'mm_tiled(const float *, const float *, float *, int)';

describe('parseNcuDetailsCsv (ncu --import --csv, one row per metric)', () => {
  const profiles = parseNcuDetailsCsv(details);

  it('finds the three profiled launches of mm_tiled', () => {
    expect(profiles.map((p) => [p.launchId, p.kernelName])).toEqual([
      [0, KERNEL],
      [1, KERNEL],
      [2, KERNEL],
    ]);
  });

  // Values as printed: "gpu__time_duration.sum","ms","1.84"; "dram__bytes.sum","Mbyte","45.75"; ...
  it.each<[number, Partial<NcuKernelProfile>]>([
    [0, { durationNs: 1_840_000, smThroughputPct: 76.88, memoryThroughputPct: 91.54, dramThroughputPct: 0.52, dramBytes: 45_750_000, achievedOccupancyPct: 98.33 }],
    [1, { durationNs: 1_840_000, smThroughputPct: 76.79, memoryThroughputPct: 91.44, dramThroughputPct: 0.52, dramBytes: 45_880_000, achievedOccupancyPct: 98.35 }],
    [2, { durationNs: 1_840_000, smThroughputPct: 76.79, memoryThroughputPct: 91.42, dramThroughputPct: 0.52, dramBytes: 45_800_000, achievedOccupancyPct: 98.34 }],
  ])('launch %i has the values of the report, in ns, bytes and percent', (launch, expected) => {
    expect(profiles[launch]).toMatchObject(expected);
  });

  it('reads the SpeedOfLight rule of every launch', () => {
    for (const p of profiles) {
      expect(p.rules).toEqual([
        {
          name: 'SOLBottleneck',
          type: 'INF',
          estimatedSpeedupPct: null,
          estimatedSpeedupType: null,
          description: expect.stringMatching(/^This workload is utilizing greater than 80\.0% .* Memory Workload Analysis section\.$/),
        },
      ]);
    }
  });

  it('summarizes the kernel as memory-bound with a score of 91.44', () => {
    const summary = summarizeNcu(profiles);
    expect(summary).toEqual({
      kernelName: KERNEL,
      launches: 3,
      medianDurationNs: 1_840_000,
      smThroughputPct: 76.79,
      memoryThroughputPct: 91.44,
      dramThroughputPct: 0.52,
      achievedOccupancyPct: 98.34,
      bottleneck: 'memory',
      topRules: [expect.objectContaining({ name: 'SOLBottleneck', type: 'INF' })],
    });
    expect(fullProfileScore(summary)).toBe(91.44);
  });
});

describe('parseNcuRawCsv (--page raw --print-units base: header, units, one row per launch)', () => {
  const profiles = parseNcuRawCsv(raw);

  // gpu__time_duration.sum (ns), sm__throughput.avg.pct_of_peak_sustained_elapsed,
  // gpu__compute_memory_throughput.avg.pct_of_peak_sustained_elapsed, dram__throughput.avg.pct...,
  // dram__bytes.sum (byte), sm__warps_active.avg.pct_of_peak_sustained_active.
  it.each<[number, Partial<NcuKernelProfile>]>([
    [0, { durationNs: 1_840_128, smThroughputPct: 76.88, memoryThroughputPct: 91.54, dramThroughputPct: 0.52, dramBytes: 45_748_224, achievedOccupancyPct: 98.33 }],
    [1, { durationNs: 1_842_400, smThroughputPct: 76.79, memoryThroughputPct: 91.44, dramThroughputPct: 0.52, dramBytes: 45_875_968, achievedOccupancyPct: 98.35 }],
    [2, { durationNs: 1_842_240, smThroughputPct: 76.79, memoryThroughputPct: 91.42, dramThroughputPct: 0.52, dramBytes: 45_799_936, achievedOccupancyPct: 98.34 }],
  ])('launch %i has the exact base-unit values', (launch, expected) => {
    expect(profiles[launch]).toMatchObject({ launchId: launch, kernelName: KERNEL, rules: [], ...expected });
  });

  it('agrees with the details page of the same report to its printed precision', () => {
    const fromDetails = parseNcuDetailsCsv(details);
    profiles.forEach((p, i) => {
      const d = fromDetails[i]!;
      expect(Math.abs(p.durationNs - d.durationNs)).toBeLessThanOrEqual(5_000); // "1.84" ms
      expect(Math.abs(p.dramBytes! - d.dramBytes!)).toBeLessThanOrEqual(5_000); // "45.75" Mbyte
      expect(p.smThroughputPct).toBe(d.smThroughputPct);
      expect(p.memoryThroughputPct).toBe(d.memoryThroughputPct);
      expect(p.achievedOccupancyPct).toBe(d.achievedOccupancyPct);
    });
  });

  it('summarizes with the median launch time', () => {
    expect(summarizeNcu(profiles)).toMatchObject({ launches: 3, medianDurationNs: 1_842_240, bottleneck: 'memory', topRules: [] });
  });
});

describe('the --set full report', () => {
  const profiles = parseNcuDetailsCsv(fullset);

  it('takes the speed-of-light "Memory Throughput" in % (not the Gbyte/s one of Memory Workload Analysis)', () => {
    expect(profiles).toHaveLength(1);
    expect(profiles[0]).toMatchObject({
      launchId: 0,
      kernelName: KERNEL,
      durationNs: 1_840_000,
      smThroughputPct: 76.82,
      memoryThroughputPct: 91.47,
      dramThroughputPct: 0.52,
      dramBytes: null, // no dram__bytes.sum in the full set's sections
      achievedOccupancyPct: 98.34,
    });
  });

  it('reads all eight rule results with their estimated speedups', () => {
    expect(profiles[0]!.rules.map((r) => [r.name, r.type, r.estimatedSpeedupType, r.estimatedSpeedupPct])).toEqual([
      ['SOLBottleneck', 'INF', null, null],
      ['SOLFPRoofline', 'INF', null, null],
      ['HighPipeUtilization', 'OPT', 'local', 84.27],
      ['MemoryL2Compression', 'OPT', 'global', 0.3757],
      ['SharedMemoryConflicts', 'OPT', 'global', 10.34],
      ['IssueSlotUtilization', 'OPT', 'local', 8.53],
      ['CPIStall', 'OPT', 'global', 8.53],
      ['CPIStall', 'INF', null, null],
    ]);
    const conflicts = profiles[0]!.rules.find((r) => r.name === 'SharedMemoryConflicts')!;
    expect(conflicts.description).toContain('This results in 2101148 bank conflicts,  which represent 11.13%');
  });

  it('lists the top three rules by estimated speedup', () => {
    expect(summarizeNcu(profiles).topRules.map((r) => [r.name, r.estimatedSpeedupPct])).toEqual([
      ['HighPipeUtilization', 84.27],
      ['SharedMemoryConflicts', 10.34],
      ['IssueSlotUtilization', 8.53],
    ]);
  });
});

describe('parseNcuCsv picks the page by its header', () => {
  it.each([
    ['details', details, 1_840_000],
    ['raw', raw, 1_840_128],
    ['fullset', fullset, 1_840_000],
  ])('%s', (_name, text, duration) => {
    expect(parseNcuCsv(text)[0]!.durationNs).toBe(duration);
  });
});

describe('rejected input', () => {
  it('rejects ncu live stdout (==PROF== lines and program output mixed in) and says how to profile instead', () => {
    expect(() => parseNcuDetailsCsv(liveStdout)).toThrow(ProfileParseError);
    expect(() => parseNcuDetailsCsv(liveStdout)).toThrow(/live stdout.*ncu -o <report>.*--import/);
    expect(() => parseNcuCsv(liveStdout)).toThrow(/live stdout/);
  });

  it('rejects ==PROF== lines mixed in after the header', () => {
    const lines = details.split('\n');
    const mixed = [lines[0], '==PROF== Disconnected from process 782', ...lines.slice(1)].join('\n');
    expect(() => parseNcuDetailsCsv(mixed)).toThrow(/row 2: .*live stdout/);
  });

  it.each<[string, () => unknown, RegExp]>([
    ['an empty report', () => parseNcuDetailsCsv(''), /empty ncu details report/],
    ['whitespace', () => parseNcuRawCsv(' \n\n'), /empty ncu raw report/],
    ['garbage', () => parseNcuDetailsCsv('hello world\n1,2,3\n'), /not an ncu CSV report.*hello world/],
    ['an ncu error', () => parseNcuDetailsCsv('==PROF== Connected to process 1\n==ERROR== ERR_NVGPUCTRPERM - The user does not have permission\n'), /ncu reported an error.*ERR_NVGPUCTRPERM/],
    ['a header without launches', () => parseNcuDetailsCsv(details.split('\n')[0]!), /header but no launches/],
    ['the raw page given to the details parser', () => parseNcuDetailsCsv(raw), /raw page.*parseNcuRawCsv/],
    ['the details page given to the raw parser', () => parseNcuRawCsv(details), /details page.*parseNcuDetailsCsv/],
    ['a raw page without its units row', () => parseNcuRawCsv(raw.split('\n').filter((_, i) => i !== 1).join('\n')), /units row/],
    ['a truncated raw row', () => parseNcuRawCsv(`${raw.slice(0, raw.lastIndexOf('","', raw.length - 2000))}"`), /row 5: \d+ fields where the header has 538/],
    ['a truncated quoted field', () => parseNcuDetailsCsv(details.slice(0, details.indexOf('This workload') + 20)), /ends inside a quoted field/],
    [
      'a report without SpeedOfLight (occupancy only)',
      () => parseNcuDetailsCsv(details.split('\n').filter((l, i) => i === 0 || l.includes('"Occupancy"')).join('\n')),
      /launch 0 \(mm_tiled.*\): no kernel duration .*--section SpeedOfLight/,
    ],
    [
      'a duration in cycles only',
      () =>
        parseNcuDetailsCsv(
          details
            .split('\n')
            .filter((l) => !l.includes('gpu__time_duration'))
            .map((l) => l.replace('"Duration","ms","1.84"', '"Duration","cycle","3,642,681"'))
            .join('\n'),
        ),
      /no kernel duration/,
    ],
    ['a non-numeric throughput', () => parseNcuDetailsCsv(details.replace('"Compute (SM) Throughput","%","76.88"', '"Compute (SM) Throughput","%","n/a"')), /launch 0 .*no compute \(SM\) throughput/],
    ['nothing to summarize', () => summarizeNcu([]), /no kernel launches to summarize/],
  ])('rejects %s with a ProfileParseError', (_name, parse, message) => {
    expect(parse).toThrow(ProfileParseError);
    expect(parse).toThrow(message);
  });
});

describe('units and numbers', () => {
  it.each<[string, string, 'time' | 'bytes' | 'percent', number]>([
    ['1,840,128', 'ns', 'time', 1_840_128],
    ['1,840,128', 'nsecond', 'time', 1_840_128],
    ['1.5', 'usecond', 'time', 1_500],
    ['1.5', 'us', 'time', 1_500],
    ['1.84', 'msecond', 'time', 1_840_000],
    ['1.84', 'ms', 'time', 1_840_000],
    ['0.002', 'second', 'time', 2_000_000],
    ['45,748,224', 'byte', 'bytes', 45_748_224],
    ['32.77', 'Kbyte', 'bytes', 32_770],
    ['45.75', 'Mbyte', 'bytes', 45_750_000],
    ['1.5', 'Gbyte', 'bytes', 1_500_000_000],
    ['2', 'KiB', 'bytes', 2_048],
    ['98.33', '%', 'percent', 98.33],
  ])('%s %s = %p base units', (value, unit, kind, expected) => {
    expect(parseNcuNumber(value)! * unitFactor(unit, kind)!).toBeCloseTo(expected, 6);
  });

  it.each([
    ['cycle', 'time'],
    ['Gbyte/s', 'bytes'],
    ['Gbyte/s', 'percent'],
    ['inst', 'percent'],
  ] as const)('%s is not a %s unit', (unit, kind) => {
    expect(unitFactor(unit, kind)).toBeNull();
  });

  it.each(['', 'n/a', 'PolicySpread', '1,2', '1.2.3', '(32, 32, 1)'])('parseNcuNumber(%p) is null', (text) => {
    expect(parseNcuNumber(text)).toBeNull();
  });

  it('property: numbers with thousands separators read back exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 99 }), (whole, cents) => {
        const text = `${whole.toLocaleString('en-US')}.${String(cents).padStart(2, '0')}`;
        expect(parseNcuNumber(text)).toBe(Number(`${whole}.${String(cents).padStart(2, '0')}`));
      }),
    );
  });

  it('property: CSV records round-trip through quoting', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', '%', 'µ'), maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (rows, crlf) => {
        const text = rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join(crlf ? '\r\n' : '\n');
        expect(parseCsvRecords(text)).toEqual(rows);
      }),
    );
  });
});
