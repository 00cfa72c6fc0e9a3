/** The KISYSTEM_BENCH lines a task's benchmark program prints (tier 0 of two-tier profiling). */
import fc from 'fast-check';
import { BENCH_LINE_PREFIX, ProfileParseError, parseBenchLines } from '../../policy/parsers/microbench-line';

describe('parseBenchLines', () => {
  it('reads one line per repetition among the program output and takes the median', () => {
    const output = [
      'kernel_ms=1.8400 gflops=9336.2', // the program's own output (mm.cu style) is ignored
      'KISYSTEM_BENCH kernel=mm_tiled ms=1.842',
      'KISYSTEM_BENCH kernel=mm_tiled ms=1.840 gflops=9336.2',
      '  KISYSTEM_BENCH   kernel=mm_tiled   ms=1.95\r',
      'c0=225.049164',
    ].join('\n');
    expect(parseBenchLines(output)).toEqual({ kernel: 'mm_tiled', timesMs: [1.842, 1.84, 1.95], medianMs: 1.842, reps: 3 });
  });

  it.each([
    ['an even number of repetitions', [4, 1, 3, 2], 2.5],
    ['one repetition', [0.125], 0.125],
    ['exponent notation', [1.5e-3, 2e-3, 2.5e-3], 2e-3],
  ])('takes the median of %s', (_name, times, median) => {
    const output = times.map((t) => `${BENCH_LINE_PREFIX} kernel=k ms=${t}`).join('\n');
    expect(parseBenchLines(output)).toMatchObject({ timesMs: times, medianMs: median, reps: times.length });
  });

  it('reads a single summary line', () => {
    expect(parseBenchLines('warming up\nKISYSTEM_BENCH kernel=saxpy median_ms=0.0312 reps=50\ndone\n')).toEqual({ kernel: 'saxpy', timesMs: [0.0312], medianMs: 0.0312, reps: 50 });
  });

  it('accepts the keys in any order', () => {
    expect(parseBenchLines('KISYSTEM_BENCH reps=5 median_ms=2 kernel=k')).toMatchObject({ kernel: 'k', medianMs: 2, reps: 5 });
  });

  it('picks one kernel when told which', () => {
    const output = 'KISYSTEM_BENCH kernel=a ms=1\nKISYSTEM_BENCH kernel=b ms=2\nKISYSTEM_BENCH kernel=a ms=3\n';
    expect(parseBenchLines(output, { kernel: 'a' })).toMatchObject({ kernel: 'a', timesMs: [1, 3], medianMs: 2 });
    expect(parseBenchLines(output, { kernel: 'b' })).toMatchObject({ kernel: 'b', timesMs: [2] });
  });

  it('ignores lines that only mention the prefix', () => {
    expect(parseBenchLines('echo KISYSTEM_BENCH kernel=x ms=abc\nKISYSTEM_BENCHMARK=1\nKISYSTEM_BENCH kernel=k ms=1\n').timesMs).toEqual([1]);
  });

  it.each<[string, string, RegExp]>([
    ['no output', '', /no KISYSTEM_BENCH line/],
    ['output without bench lines', 'kernel_ms=1.84 gflops=9336.2\nc0=225.049164\n', /no KISYSTEM_BENCH line/],
    ['a time that is not a number', 'KISYSTEM_BENCH kernel=k ms=fast', /line 1: ms="fast" is not a time in ms > 0/],
    ['a zero time', 'ok\nKISYSTEM_BENCH kernel=k ms=0', /line 2: ms="0"/],
    ['a negative time', 'KISYSTEM_BENCH kernel=k ms=-1', /ms="-1"/],
    ['NaN', 'KISYSTEM_BENCH kernel=k ms=NaN', /ms="NaN"/],
    ['no kernel', 'KISYSTEM_BENCH ms=1', /line 1: no kernel=<name>/],
    ['no time', 'KISYSTEM_BENCH kernel=k reps=3', /no ms=<float> or median_ms=<float>/],
    ['a token that is not key=value', 'KISYSTEM_BENCH kernel=k 1.5ms', /"1\.5ms" is not key=value/],
    ['a key given twice', 'KISYSTEM_BENCH kernel=k ms=1 ms=2', /ms= given twice/],
    ['a summary without reps', 'KISYSTEM_BENCH kernel=k median_ms=1', /median_ms= needs reps=/],
    ['a summary with zero reps', 'KISYSTEM_BENCH kernel=k median_ms=1 reps=0', /needs reps=<integer >= 1>, got "0"/],
    ['both styles mixed', 'KISYSTEM_BENCH kernel=k ms=1\nKISYSTEM_BENCH kernel=k median_ms=1 reps=1', /line 2: kernel k mixes a median_ms= line with per-repetition ms= lines/],
    ['both styles mixed the other way', 'KISYSTEM_BENCH kernel=k median_ms=1 reps=1\nKISYSTEM_BENCH kernel=k ms=1', /line 2: kernel k mixes per-repetition ms= lines with a median_ms= line \(line 1\)/],
    ['two summaries', 'KISYSTEM_BENCH kernel=k median_ms=1 reps=1\nKISYSTEM_BENCH kernel=k median_ms=2 reps=1', /a second median_ms= line/],
    ['ms and median_ms on one line', 'KISYSTEM_BENCH kernel=k ms=1 median_ms=1 reps=1', /both ms= and median_ms=/],
    ['several kernels without a choice', 'KISYSTEM_BENCH kernel=a ms=1\nKISYSTEM_BENCH kernel=b ms=1', /several kernels \(a, b\)/],
  ])('rejects %s with a ProfileParseError', (_name, output, message) => {
    const parse = () => parseBenchLines(output);
    expect(parse).toThrow(ProfileParseError);
    expect(parse).toThrow(message);
  });

  it('rejects a chosen kernel that is not in the output', () => {
    expect(() => parseBenchLines('KISYSTEM_BENCH kernel=a ms=1', { kernel: 'b' })).toThrow(/no KISYSTEM_BENCH line for kernel b; the output has a/);
  });

  it('property: the times printed with %.6f come back, and the median lies between their min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1e-3, max: 1e4, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.string({ maxLength: 30 }).filter((s) => !s.includes('KISYSTEM_BENCH')), { maxLength: 5 }),
        (times, noise) => {
          const printed = times.map((t) => t.toFixed(6));
          const output = [...noise, ...printed.map((t) => `KISYSTEM_BENCH kernel=k ms=${t}`), ...noise].join('\n');
          const result = parseBenchLines(output);
          expect(result.timesMs).toEqual(printed.map(Number));
          expect(result.medianMs).toBeGreaterThanOrEqual(Math.min(...result.timesMs));
          expect(result.medianMs).toBeLessThanOrEqual(Math.max(...result.timesMs));
        },
      ),
    );
  });
});
