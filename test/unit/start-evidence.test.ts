/**
 * First runs and backup runs (policy/rules/start-evidence.ts) in the "expected-cost" start: a later
 * model measured low only as a backup on the hardest tasks is still found by its first runs, and
 * a model never run as a start takes its backup rate as its prior.
 */
import { defaultConfig } from '../../policy/schemas/config-schema';
import { decideTaskStart, pooledEvidence, type StartSnapshot } from '../../policy/rules/start-rule';
import { modelChances, NO_RUNS, type AgedCounts, type ModelEvidence } from '../../policy/rules/start-evidence';
import type { ModelAggregate } from '../../policy/rules/meta-supervisor';

const config = defaultConfig();
const CUDA = config.routing['CUDA/Kernel'];
const prior = { mean: 0.5, strength: 2 };
const counts = (runs: number, rate: number): AgedCounts => ({ runs, weightedSuccesses: runs * rate, weightSum: runs });
const agg = (model: string, runs: number, rate: number): ModelAggregate => ({ domain: 'CUDA/Kernel', model, runs, successes: Math.round(runs * rate), weightedSuccesses: runs * rate, weightSum: runs });

describe('modelChances', () => {
  it.each([
    ['no runs: the prior', undefined, 0.5, 0.5],
    ['backup runs only: the start chance takes the backup posterior as its prior', { model: 'm', first: NO_RUNS, backup: counts(18, 0.2) }, 4.6 / 20, 4.6 / 20],
    ['first runs on top of the backup prior', { model: 'm', first: counts(8, 0.75), backup: counts(18, 0.2) }, (2 * 0.23 + 6) / 10, 0.23],
  ] as [string, ModelEvidence | undefined, number, number][])('%s', (_name, evidence, first, backup) => {
    const c = modelChances(evidence, prior);
    expect(c.first.mean).toBeCloseTo(first, 9);
    expect(c.backup.mean).toBeCloseTo(backup, 9);
  });
});

describe('decideTaskStart with first-run and backup evidence', () => {
  const snapshot = (evidence: ModelEvidence[] | undefined, models: ModelAggregate[]): StartSnapshot => ({
    domain: 'CUDA/Kernel',
    domainChain: CUDA,
    models,
    evidence,
    runTimes: {},
    bias: null,
    complexity: { score: 0.8, matched: [] },
    failureState: 0.5,
  });
  // The head solves 15 % of its tasks; deepseek-coder-v2:16b (third, 210 s a run) solved 19 % of the
  // tasks every earlier model had failed twice, and 6 of the 8 tasks it started.
  const models = [agg(CUDA[0]!, 40, 0.15), agg(CUDA[2]!, 26, (0.19 * 18 + 6) / 26)];
  const split: ModelEvidence[] = [
    { model: CUDA[0]!, first: counts(40, 0.15), backup: NO_RUNS },
    { model: CUDA[2]!, first: counts(8, 0.75), backup: counts(18, 0.19) },
  ];

  it('starts at the later model its first runs show good, and says why in one line', () => {
    const d = decideTaskStart(snapshot(split, models), config, []);
    expect(d.model).toBe(CUDA[2]);
    expect(d.positions![2]).toMatchObject({ firstRuns: 8, allowed: true });
    expect(d.summary).toMatch(/^start deepseek-coder-v2:16b: expected \d+ s vs \d+ s at /);
  });

  it('pooled evidence (no split) reads every run as a backup run: the same aggregate, one posterior', () => {
    const pooled = models.map(pooledEvidence);
    expect(pooled[1]).toEqual({ model: CUDA[2], first: NO_RUNS, backup: { runs: 26, weightedSuccesses: models[1]!.weightedSuccesses, weightSum: 26 } });
    expect(decideTaskStart(snapshot(undefined, models), config, [])).toEqual(decideTaskStart(snapshot(pooled, models), config, []));
  });

  it('a later model with fewer than bias_min_runs runs is no start, however good its first runs', () => {
    const few = [split[0]!, { model: CUDA[2]!, first: counts(3, 1), backup: NO_RUNS }];
    const d = decideTaskStart(snapshot(few, [models[0]!, agg(CUDA[2]!, 3, 1)]), config, []);
    expect(d.model).toBe(CUDA[0]);
    expect(d.positions![2]).toMatchObject({ allowed: false, blockedBy: '3 runs < 5' });
  });
});
