/**
 * The "expected-cost" start rule: hand-computed
 * snapshots as a table, the guide rule untouched behind `start_rule: "guide"`, then properties:
 * never a later start without the evidence, the chosen cost is the minimum of the drawn estimates
 * among allowed positions, equal inputs give equal decisions.
 */
import fc from 'fast-check';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import { expectedCostsByStart, expectedRuns } from '../../policy/rules/expected-cost';
import { decideStart } from '../../policy/rules/hybrid-decision';
import type { ModelAggregate } from '../../policy/rules/meta-supervisor';
import { agedPosterior, betaCdf, betaQuantile } from '../../policy/rules/posterior';
import { decideTaskStart, type StartSnapshot } from '../../policy/rules/start-rule';

const CUDA = ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'];
const base = defaultConfig();
const noExplore: KisystemConfig = { ...base, start_exploration: { ...base.start_exploration, enabled: false } };

/** n runs of which a share succeeded, all fresh (weight 1 each). */
const agg = (model: string, runs: number, rate: number): ModelAggregate => ({
  domain: 'CUDA/Kernel',
  model,
  runs,
  successes: Math.round(runs * rate),
  weightedSuccesses: runs * rate,
  weightSum: runs,
});

const snap = (models: ModelAggregate[], extra: Partial<StartSnapshot> = {}): StartSnapshot => ({
  domain: 'CUDA/Kernel',
  domainChain: CUDA,
  models,
  runTimes: {},
  bias: null,
  complexity: { score: 0.5, matched: [] },
  failureState: 0.6,
  ...extra,
});

describe('expected cost under stop-loss', () => {
  it('expected runs of one model: 1 + (1-p) for k = 2; k when p = 0', () => {
    expect(expectedRuns(0.8, 2)).toBeCloseTo(1.2, 12);
    expect(expectedRuns(0, 2)).toBe(2);
    expect(expectedRuns(1, 3)).toBe(1);
  });
  it('C(i) by hand: two models (p 0.5, 100 s; p 1, 10 s), k 2, fallback 1000', () => {
    // C(2) = 1000; C(1) = 10·1 + 0·1000 = 10; C(0) = 100·1.5 + 0.25·10 = 152.5
    expect(expectedCostsByStart([{ chance: 0.5, runSeconds: 100 }, { chance: 1, runSeconds: 10 }], 2, 1000)).toEqual([152.5, 10, 1000]);
  });
  it('posterior: prior Beta(1,1) plus 8 of 10 aged successes has mean 9/12; quantile inverts the CDF', () => {
    const post = agedPosterior({ weightedSuccesses: 8, weightSum: 10 }, 0.5, 2);
    expect(post).toEqual({ alpha: 9, beta: 3, mean: 0.75 });
    expect(betaCdf(betaQuantile(0.3, 9, 3), 9, 3)).toBeCloseTo(0.3, 9);
    expect(betaQuantile(0.5, 1, 1)).toBeCloseTo(0.5, 9);
  });
});

describe('decideTaskStart, "expected-cost", hand-computed snapshots (posterior means)', () => {
  it.each([
    {
      name: 'a strong but slow model does not displace a cheap good head',
      // head: Beta(17, 5) mean 0.773, 480 s -> ~590 s + a little; deepseek-r1: mean 0.909 but 1380 s a run -> > 1500 s
      models: [agg('qwen2.5-coder:32b', 20, 0.8), agg('deepseek-r1:32b', 20, 0.95)],
      extra: {},
      model: 'qwen2.5-coder:32b',
      rule: 'expected-cost',
    },
    {
      name: 'a poor head with a good later model moves the start there',
      // head mean 3/22 = 0.14: 480·1.86 + 0.75·C(1) > 890 s; deepseek-coder-v2 mean 19/22: 210·1.14 + ... ~ 250 s
      models: [agg('qwen2.5-coder:32b', 20, 0.1), agg('deepseek-coder-v2:16b', 20, 0.9)],
      extra: {},
      model: 'deepseek-coder-v2:16b',
      rule: 'expected-cost',
    },
    {
      name: 'weak evidence under the run minimum (4 < 5 runs at 0.5) is not a start: at its 2 % posterior quantile it does not beat the head',
      models: [agg('qwen2.5-coder:32b', 20, 0.5), agg('deepseek-coder-v2:16b', 4, 0.5)],
      extra: {},
      model: 'qwen2.5-coder:32b',
      rule: 'expected-cost',
    },
    {
      name: 'clear evidence under the run minimum (3 < 5 runs, all right) is a start: even at its 2 % posterior quantile it beats the head',
      models: [agg('qwen2.5-coder:32b', 20, 0.5), agg('deepseek-coder-v2:16b', 3, 1)],
      extra: {},
      model: 'deepseek-coder-v2:16b',
      rule: 'expected-cost',
    },
    {
      name: 'a later model with one clear run (1 < 5) is not a start against a fair head',
      models: [agg('qwen2.5-coder:32b', 20, 0.5), agg('deepseek-coder-v2:16b', 1, 1)],
      extra: {},
      model: 'qwen2.5-coder:32b',
      rule: 'expected-cost',
    },
    {
      name: 'a later model under the bias rate of the Meta-Supervisor (0.6 < 0.65) is a start: no rate bar, the expected cost weighs the chance',
      models: [agg('qwen2.5-coder:32b', 20, 0.1), agg('deepseek-coder-v2:16b', 20, 0.6)],
      extra: {},
      model: 'deepseek-coder-v2:16b',
      rule: 'expected-cost',
    },
    {
      name: 'a cold simple CUDA task stays at the head (hybrid 0.56 -> deepseek-coder-v2:16b, a less capable tier)',
      models: [],
      extra: { complexity: { score: 0.6, matched: ['__global__ and <<<'] }, failureState: 0.6 },
      model: 'qwen2.5-coder:32b',
      rule: 'cold-start',
    },
    {
      name: 'a cold task scoring 0.8 moves to deepseek-r1:32b, a more capable tier later in the chain',
      models: [],
      extra: { complexity: { score: 1, matched: [] }, failureState: 1 },
      model: 'deepseek-r1:32b',
      rule: 'cold-tier-jump',
    },
    {
      name: 'a warm domain ignores the hybrid score (0.8 -> deepseek-r1:32b) for the start',
      models: [agg('qwen2.5-coder:32b', 20, 0.8)],
      extra: { complexity: { score: 1, matched: [] }, failureState: 1 },
      model: 'qwen2.5-coder:32b',
      rule: 'expected-cost',
    },
  ])('$name', ({ models, extra, model, rule }) => {
    const decision = decideTaskStart(snap(models, extra), noExplore, []);
    expect(decision.model).toBe(model);
    expect(decision.rule).toBe(rule);
    expect(decision.startRule).toBe('expected-cost');
    expect(decision.chain).toEqual(CUDA);
    expect(decision.positions).toHaveLength(4);
  });

  it('says why in one line', () => {
    const decision = decideTaskStart(snap([agg('qwen2.5-coder:32b', 20, 0.8), agg('deepseek-r1:32b', 20, 0.95)]), noExplore, []);
    expect(decision.summary).toBe('start qwen2.5-coder:32b: expected 667 s vs 1511 s at deepseek-r1:32b; 20 runs at 0.8; deepseek-coder-v2:16b 653 s but not allowed (0 runs < 5); hybrid 0.53 -> deepseek-coder-v2:16b (recorded only)');
  });

  it.each([
    [{ complexity: { score: 0.6, matched: [] }, failureState: 0.6 }, 'start qwen2.5-coder:32b: no runs in the domain yet, chain head; hybrid 0.56 -> deepseek-coder-v2:16b (moves a cold start only to a more capable tier later in the chain)'],
    [{ complexity: { score: 1, matched: [] }, failureState: 1 }, 'start deepseek-r1:32b: no runs in the domain yet; hybrid 0.8 -> deepseek-r1:32b, a more capable tier than qwen2.5-coder:32b'],
  ])('cold start says so: %j', (extra, summary) => {
    expect(decideTaskStart(snap([], extra), noExplore, []).summary).toBe(summary);
  });

  it('learned run times replace the table once there are enough samples', () => {
    // deepseek-r1 learned at 200 s a run: now the strong model is also cheap and takes the start
    const s = snap([agg('qwen2.5-coder:32b', 20, 0.5), agg('deepseek-r1:32b', 20, 0.95)], { runTimes: { 'deepseek-r1:32b': { medianSeconds: 200, samples: 20 } } });
    const decision = decideTaskStart(s, noExplore, []);
    expect(decision.model).toBe('deepseek-r1:32b');
    expect(decision.positions![1]!.runSecondsSource).toBe('history: median of 20 runs');
  });

  it('meta-supervisor off: the chain head (Phase 6)', () => {
    const decision = decideTaskStart(snap([agg('qwen2.5-coder:32b', 20, 0.1), agg('deepseek-coder-v2:16b', 20, 0.9)]), { ...noExplore, enable_meta_supervisor: false }, []);
    expect(decision.model).toBe('qwen2.5-coder:32b');
    expect(decision.rule).toBe('static-chain-head');
  });
});

describe('"guide" keeps the guide rule exactly', () => {
  it('equals decideStart for the guide worked example', () => {
    const bias = { domain: 'CUDA/Kernel', model: 'qwen2.5-coder:32b', weightedSuccessRate: 0.91, runs: 15 };
    const input = { complexity: { score: 1, matched: ['x'] }, failureState: 0.7 };
    const decision = decideTaskStart(snap([agg('qwen2.5-coder:32b', 15, 0.91)], { ...input, bias }), { ...base, start_rule: 'guide' }, [0.1, 0.2]);
    const guide = decideStart({ domainChain: CUDA, bias, ...input, config: base });
    expect(decision).toEqual({ ...guide, startRule: 'guide' });
    expect(decision.model).toBe('deepseek-r1:32b');
  });
});

const aggArb = (model: string) =>
  fc.record({ runs: fc.integer({ min: 0, max: 40 }), rate: fc.double({ min: 0, max: 1, noNaN: true }), age: fc.double({ min: 0.05, max: 1, noNaN: true }) }).map(({ runs, rate, age }) => ({
    domain: 'CUDA/Kernel',
    model,
    runs,
    successes: Math.round(runs * rate),
    weightedSuccesses: runs * age * rate,
    weightSum: runs * age,
  }));
const snapshotArb = fc.tuple(...CUDA.map(aggArb)).map((models) => snap(models.filter((m) => m.runs > 0)));
const drawsArb = fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 4, maxLength: 4 });

describe('properties', () => {
  it('never starts past the head at a model without the evidence: the run minimum, or runs whose cost beats the head (warm domain)', () => {
    fc.assert(
      fc.property(snapshotArb, drawsArb, (s, draws) => {
        const d = decideTaskStart(s, base, draws);
        if (d.startIndex === 0 || d.rule === 'cold-tier-jump') return;
        const m = s.models.find((x) => x.model === d.model)!;
        if (m.runs >= base.meta_supervisor.bias_min_runs) return;
        // Under the minimum only on evidence: some runs, and a cost (even at the mean) under the head's.
        expect(m.runs).toBeGreaterThan(0);
        expect(d.positions![d.startIndex]!.expectedSeconds).toBeLessThan(d.positions![0]!.expectedSeconds);
      }),
    );
  });
  it('the chosen drawn cost is the minimum of the drawn estimates among allowed positions', () => {
    fc.assert(
      fc.property(snapshotArb, drawsArb, (s, draws) => {
        const d = decideTaskStart(s, base, draws);
        if (d.rule !== 'expected-cost') return;
        const allowed = d.positions!.filter((p) => p.allowed).map((p) => p.drawnSeconds);
        expect(d.positions![d.startIndex]!.drawnSeconds).toBe(Math.min(...allowed));
      }),
    );
  });
  it('is deterministic: equal inputs, equal decisions', () => {
    fc.assert(
      fc.property(snapshotArb, drawsArb, (s, draws) => {
        expect(decideTaskStart(s, base, draws)).toEqual(decideTaskStart(structuredClone(s), base, [...draws]));
      }),
    );
  });
});
