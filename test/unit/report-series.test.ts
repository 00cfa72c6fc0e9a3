/** The reports' pure parts: the line diff (winning code against the first pass) and the learning report's weekly series. */
import fc from 'fast-check';
import { lineDiff } from '../../client/report/line-diff';
import { domainSeries, weekEnds } from '../../client/report/learning-series';

describe('lineDiff', () => {
  it('marks added and removed lines and keeps the common ones', () => {
    expect(lineDiff('a\nb\nc', 'a\nx\nc\nd')).toEqual([
      { kind: 'same', text: 'a' }, { kind: 'del', text: 'b' }, { kind: 'add', text: 'x' }, { kind: 'same', text: 'c' }, { kind: 'add', text: 'd' },
    ]);
  });

  it('rebuilds both texts: the old from same + del, the new from same + add', () => {
    const text = fc.array(fc.constantFrom('a', 'b', 'c', 'int x;', ''), { maxLength: 30 }).map((l) => l.join('\n'));
    fc.assert(
      fc.property(text, text, (before, after) => {
        const diff = lineDiff(before, after)!;
        expect(diff.filter((l) => l.kind !== 'add').map((l) => l.text).join('\n')).toBe(before);
        expect(diff.filter((l) => l.kind !== 'del').map((l) => l.text).join('\n')).toBe(after);
      }),
    );
  });

  it('declines texts too long to compare here', () => {
    const long = Array.from({ length: 3000 }, (_, i) => `line ${i}`).join('\n');
    expect(lineDiff(long, `${long}\nmore`)).toBeNull();
  });
});

describe('domainSeries', () => {
  const day = 86_400_000;
  const t0 = Date.UTC(2026, 0, 5);

  it('weighs older days less (aging) and averages run time per week', () => {
    const days = [
      { domain: 'D', model: 'm', day: t0, runs: 4, successes: 0, meanMs: 10_000 },
      { domain: 'D', model: 'm', day: t0 + 7 * day, runs: 4, successes: 4, meanMs: 30_000 },
    ];
    const [series] = domainSeries(days, 30, t0 + 10 * day);
    expect(series!.x).toEqual(weekEnds(t0, t0 + 10 * day).map((t) => t / 1000));
    const m = series!.models[0]!;
    expect(m.agedRate[0]).toBe(0);
    // The newer, successful day weighs more than half.
    expect(m.agedRate[1]).toBeGreaterThan(0.5);
    expect(m.agedRate[1]).toBeLessThan(1);
    expect(m.meanSeconds).toEqual([10, 30]);
  });

  it('has no rate before a model first ran and no run time in a week without runs', () => {
    const days = [
      { domain: 'D', model: 'a', day: t0, runs: 1, successes: 1, meanMs: 1000 },
      { domain: 'D', model: 'b', day: t0 + 14 * day, runs: 1, successes: 0, meanMs: 1000 },
    ];
    const [series] = domainSeries(days, 30, t0 + 15 * day);
    const b = series!.models.find((m) => m.model === 'b')!;
    expect(b.agedRate.slice(0, 2)).toEqual([null, null]);
    expect(series!.models.find((m) => m.model === 'a')!.meanSeconds.slice(1)).toEqual([null, null]);
  });
});
