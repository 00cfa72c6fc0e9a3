/** Two-tier profiling: when a full profile (tier 1) runs, and the scores (guide section 4). */
import fc from 'fast-check';
import { decideTier, estimateScoreFromTime, fullProfileScore, type TierDecision, type TierHistoryEntry } from '../../policy/rules/two-tier';

interface Settings {
  threshold: number;
  maxTier0Streak: number;
  enabled: boolean;
  target?: number | null;
}
const defaults: Settings = { threshold: 5, maxTier0Streak: 5, enabled: true };

/**
 * The workflow's flow: tier 0 first (no estimate at iteration 0), the rule decides, and the
 * iteration is recorded with the tier that ran. The full profile is taken to confirm the score.
 */
function simulate(scores: number[], settings: Settings = defaults): TierDecision[] {
  const history: TierHistoryEntry[] = [];
  return scores.map((score, iteration) => {
    const decision = decideTier({ iteration, currentScore: iteration === 0 ? null : score, history: [...history], ...settings });
    history.push({ iteration, tier: decision.tier, score });
    return decision;
  });
}

const fullAt = (decisions: TierDecision[]) => decisions.flatMap((d, i) => (d.tier === 1 ? [i] : []));

describe('decideTier', () => {
  it.each<[string, number[], Settings, number[], (TierDecision['rule'] | undefined)[]]>([
    ['the guide example 75, 78, 82, 88', [75, 78, 82, 88], defaults, [0, 3], ['baseline', 'no-trigger', 'no-trigger', 'score-change']],
    ['a slow regression 75, 72, 69, 66 (caught by the addition)', [75, 72, 69, 66], defaults, [0, 2], ['baseline', 'no-trigger', 'slow-regression', 'no-trigger']],
    ['a flat score up to the streak limit', [50, 50, 50, 50, 50, 50, 50, 50], defaults, [0, 6], ['baseline', 'no-trigger', 'no-trigger', 'no-trigger', 'no-trigger', 'no-trigger', 'stale-full-profile', 'no-trigger']],
    ['a streak limit of 2', [50, 51, 52, 53, 54], { ...defaults, maxTier0Streak: 2 }, [0, 3], ['baseline', 'no-trigger', 'no-trigger', 'stale-full-profile', 'no-trigger']],
    ['a change of exactly the threshold (5 is not > 5)', [75, 80, 75], defaults, [0], ['baseline', 'no-trigger', 'no-trigger']],
    ['a fall of exactly the threshold since the full profile', [75, 72, 70], defaults, [0], ['baseline', 'no-trigger', 'no-trigger']],
    ['a change just above the threshold', [75, 80.5], defaults, [0, 1], ['baseline', 'score-change']],
    ['a drop against the previous iteration', [75, 69], defaults, [0, 1], ['baseline', 'score-change']],
    ['a slow rise (left to the guide rule)', [60, 64, 68, 72, 76], defaults, [0], ['baseline', 'no-trigger', 'no-trigger', 'no-trigger', 'no-trigger']],
    ['disabled two-tier profiling', [75, 78, 82, 88], { ...defaults, enabled: false }, [0, 1, 2, 3], ['two-tier-disabled', 'two-tier-disabled', 'two-tier-disabled', 'two-tier-disabled']],
    ['a threshold of 10', [75, 78, 82, 88], { ...defaults, threshold: 10 }, [0], ['baseline', 'no-trigger', 'no-trigger', 'no-trigger']],
    // An estimate that reaches the target is confirmed by a full profile before the phase ends on it.
    ['a slow rise onto the target 80', [72, 76, 80], { ...defaults, target: 80 }, [0, 2], ['baseline', 'no-trigger', 'target-estimate']],
    ['an estimate capped at 100 after a high full profile (96 -> 100)', [96, 100], { ...defaults, target: 100 }, [0, 1], ['baseline', 'target-estimate']],
    ['no target rule without a target (the same rise)', [72, 76, 80], defaults, [0], ['baseline', 'no-trigger', 'no-trigger']],
    ['a target the full profile already reached is not profiled again', [85, 84, 86], { ...defaults, target: 80 }, [0], ['baseline', 'no-trigger', 'no-trigger']],
    ['the score-change rule still comes first', [60, 82], { ...defaults, target: 80 }, [0, 1], ['baseline', 'score-change']],
  ])('%s', (_name, scores, settings, expectedFull, expectedRules) => {
    const decisions = simulate(scores, settings);
    expect(fullAt(decisions)).toEqual(expectedFull);
    expect(decisions.map((d) => d.rule)).toEqual(expectedRules);
  });

  it('writes the Web UI summary of the guide example', () => {
    expect(simulate([75, 78, 82, 88]).map((d) => d.summary)).toEqual([
      'iteration 0: tier 1, baseline',
      'iteration 1: tier 0, score +3 <= 5',
      'iteration 2: tier 0, score +4 <= 5',
      'iteration 3: tier 1, score +6 > 5',
    ]);
  });

  it.each<[string, Parameters<typeof decideTier>[0], TierDecision['rule'], RegExp]>([
    ['slow regression', { iteration: 2, currentScore: 69, history: [{ iteration: 0, tier: 1, score: 75 }, { iteration: 1, tier: 0, score: 72 }], ...defaults }, 'slow-regression', /^iteration 2: tier 1, score -6 since full profile at iteration 0 > 5$/],
    ['stale full profile', { iteration: 6, currentScore: 50, history: [0, 1, 2, 3, 4, 5].map((i) => ({ iteration: i, tier: i === 0 ? 1 : 0, score: 50 }) as TierHistoryEntry), ...defaults }, 'stale-full-profile', /^iteration 6: tier 1, last full profile 6 iterations ago > 5$/],
    ['disabled', { iteration: 4, currentScore: 50, history: [], ...defaults, enabled: false }, 'two-tier-disabled', /^iteration 4: tier 1, two-tier profiling disabled$/],
    ['no full profile yet', { iteration: 3, currentScore: 50, history: [{ iteration: 2, tier: 0, score: 50 }], ...defaults }, 'baseline', /no full profile yet/],
    ['no tier-0 score', { iteration: 3, currentScore: null, history: [{ iteration: 0, tier: 1, score: 50 }], ...defaults }, 'baseline', /no tier-0 score/],
    ['an estimate at the target', { iteration: 1, currentScore: 80, history: [{ iteration: 0, tier: 1, score: 77 }], ...defaults, target: 80 }, 'target-estimate', /^iteration 1: tier 1, estimate 80 reaches target 80$/],
  ])('explains %s', (_name, input, rule, summary) => {
    const decision = decideTier(input);
    expect(decision).toMatchObject({ tier: 1, rule });
    expect(decision.summary).toMatch(summary);
    expect(decision.reason.length).toBeGreaterThan(10);
  });

  it('ignores history entries of this and later iterations, and compares with the latest earlier one', () => {
    const history: TierHistoryEntry[] = [
      { iteration: 0, tier: 1, score: 75 },
      { iteration: 2, tier: 0, score: 77 }, // iteration 1 failed to build: no entry
      { iteration: 3, tier: 1, score: 10 },
      { iteration: 9, tier: 1, score: 10 },
    ];
    expect(decideTier({ iteration: 3, currentScore: 79, history, ...defaults })).toMatchObject({ tier: 0, rule: 'no-trigger' });
  });

  it('does not trigger on floating-point noise at the threshold', () => {
    expect(decideTier({ iteration: 1, currentScore: 80.1, history: [{ iteration: 0, tier: 1, score: 75.1 }], ...defaults }).tier).toBe(0);
  });

  it.each([
    ['a negative iteration', { iteration: -1 }],
    ['a NaN score', { currentScore: Number.NaN }],
    ['a negative threshold', { threshold: -1 }],
    ['a zero streak limit', { maxTier0Streak: 0 }],
  ])('rejects %s', (_name, patch) => {
    expect(() => decideTier({ iteration: 1, currentScore: 50, history: [{ iteration: 0, tier: 1, score: 50 }], ...defaults, ...patch })).toThrow(RangeError);
  });

  const run = fc.record({
    scores: fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 1, maxLength: 30 }),
    threshold: fc.integer({ min: 1, max: 20 }),
    maxTier0Streak: fc.integer({ min: 1, max: 8 }),
  });

  it('property: a fall of more than the threshold since the last full profile triggers tier 1 at the iteration it appears', () => {
    fc.assert(
      fc.property(run, ({ scores, threshold, maxTier0Streak }) => {
        const decisions = simulate(scores, { threshold, maxTier0Streak, enabled: true });
        let lastFull = 0;
        for (let i = 1; i < scores.length; i++) {
          if (scores[lastFull]! - scores[i]! > threshold) expect(decisions[i]!.tier).toBe(1);
          if (decisions[i]!.tier === 1) lastFull = i;
        }
      }),
    );
  });

  it('property: tier 0 only when no rule holds, and never more than max_tier0_streak tier-0 iterations in a row', () => {
    fc.assert(
      fc.property(run, ({ scores, threshold, maxTier0Streak }) => {
        const decisions = simulate(scores, { threshold, maxTier0Streak, enabled: true });
        expect(decisions[0]!.tier).toBe(1);
        let lastFull = 0;
        for (let i = 1; i < scores.length; i++) {
          const holds = Math.abs(scores[i]! - scores[i - 1]!) > threshold || scores[lastFull]! - scores[i]! > threshold || i - lastFull > maxTier0Streak;
          expect(decisions[i]!.tier).toBe(holds ? 1 : 0);
          if (decisions[i]!.tier === 1) lastFull = i;
          expect(i - lastFull).toBeLessThanOrEqual(maxTier0Streak);
        }
      }),
    );
  });
});

describe('scores', () => {
  it.each([
    ['the same time', 75, 12.5, 12.5, 75],
    ['a faster kernel', 75, 12.5, 10, 93.75],
    ['a slower kernel', 75, 12.5, 25, 37.5],
    ['capped at 100', 75, 12.5, 5, 100],
  ])('estimateScoreFromTime: %s', (_name, score, then, now, expected) => {
    expect(estimateScoreFromTime(score, then, now)).toBeCloseTo(expected, 10);
  });

  it.each([
    [75, 0, 10],
    [75, 10, 0],
    [75, 10, Number.NaN],
    [-1, 10, 10],
  ])('estimateScoreFromTime(%p, %p, %p) rejects a meaningless input', (score, then, now) => {
    expect(() => estimateScoreFromTime(score, then, now)).toThrow(RangeError);
  });

  it.each([
    [{ smThroughputPct: 76.88, memoryThroughputPct: 91.54 }, 91.54],
    [{ smThroughputPct: 88, memoryThroughputPct: 12 }, 88],
    [{ smThroughputPct: 0, memoryThroughputPct: 0 }, 0],
    [{ smThroughputPct: 100.13, memoryThroughputPct: 3 }, 100],
  ])('fullProfileScore(%p) = %p', (m, expected) => {
    expect(fullProfileScore(m)).toBe(expected);
  });

  it('fullProfileScore rejects NaN', () => {
    expect(() => fullProfileScore({ smThroughputPct: Number.NaN, memoryThroughputPct: 50 })).toThrow(RangeError);
  });

  it('property: the estimate stays within 0..100 and falls as the time grows', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        (score, then, now) => {
          const a = estimateScoreFromTime(score, then, now);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(a).toBeLessThanOrEqual(100);
          expect(estimateScoreFromTime(score, then, now * 2)).toBeLessThanOrEqual(a);
        },
      ),
    );
  });
});
