/**
 * ETA estimation (guide section 5 "ETA Estimation"): the guide's
 * table (model base seconds x domain multiplier + 30 s) as a table, the switch to the history
 * median at exactly `history_min_samples`, the median itself, and properties over random configs
 * and histories.
 */
import fc from 'fast-check';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import { estimateEta, median, tableEta } from '../../policy/rules/eta';

type EtaConfig = KisystemConfig['eta'];

const ETA: EtaConfig = defaultConfig().eta;

describe('tableEta (the guide table with the default config)', () => {
  it.each<[string, string, number, string]>([
    ['qwen2.5-coder:32b', 'Audio/DSP', 390, 'table: 300 s x 1.2 + 30 s'],
    ['deepseek-r1:32b', 'CUDA/Kernel', 1380, 'table: 900 s x 1.5 + 30 s'],
    ['deepseek-coder-v2:16b', 'C++/System', 150, 'table: 120 s x 1 + 30 s'],
    ['mistral:7b', 'Tests/Docs', 54, 'table: 30 s x 0.8 + 30 s'],
    ['deepseek-coder-v2:16b', 'Audio/DSP', 174, 'table: 120 s x 1.2 + 30 s'],
    // unknown model -> default 180 s
    ['llama3.1:8b', 'C++/System', 210, 'table: default 180 s (unknown model) x 1 + 30 s'],
    ['phi4:latest', 'CUDA/Kernel', 300, 'table: default 180 s (unknown model) x 1.5 + 30 s'],
    // a domain without a multiplier (known or not) -> 1.0
    ['qwen2.5-coder:32b', 'Planning/Refactor', 330, 'table: 300 s x 1 (unknown domain) + 30 s'],
    ['qwen2.5-coder:32b', 'Nonsense', 330, 'table: 300 s x 1 (unknown domain) + 30 s'],
    ['no-such-model', 'no-such-domain', 210, 'table: default 180 s (unknown model) x 1 (unknown domain) + 30 s'],
    // names of Object.prototype members are not table entries
    ['constructor', 'toString', 210, 'table: default 180 s (unknown model) x 1 (unknown domain) + 30 s'],
  ])('%s in %s -> %d s', (model, domain, seconds, reason) => {
    const estimate = tableEta(model, domain, ETA);
    expect(estimate.seconds).toBeCloseTo(seconds, 9);
    expect(estimate).toMatchObject({ source: 'table', samples: 0, reason });
  });

  it('gives exactly 300 * 1.2 + 30 = 390 for the brief example', () => {
    expect(tableEta('qwen2.5-coder:32b', 'Audio/DSP', ETA).seconds).toBe(390);
  });

  it('uses the configured numbers, not the built-in ones', () => {
    const custom: EtaConfig = {
      ...ETA,
      model_seconds: { 'qwen2.5-coder:32b': 100 },
      default_model_seconds: 60,
      domain_multipliers: { 'Audio/DSP': 2 },
      overhead_seconds: 0,
    };
    expect(tableEta('qwen2.5-coder:32b', 'Audio/DSP', custom).seconds).toBe(200);
    expect(tableEta('mistral:7b', 'Audio/DSP', custom).seconds).toBe(120);
    expect(tableEta('mistral:7b', 'CUDA/Kernel', custom).seconds).toBe(60);
  });

  it.each<[string, Partial<EtaConfig>]>([
    ['a zero model time and no overhead', { model_seconds: { m: 0 }, overhead_seconds: 0 }],
    ['a negative total', { model_seconds: { m: -100 }, overhead_seconds: 30 }],
    ['a NaN multiplier', { model_seconds: { m: 10 }, domain_multipliers: { 'Audio/DSP': Number.NaN } }],
  ])('rejects a table that gives no ETA > 0 (%s)', (_name, patch) => {
    expect(() => tableEta('m', 'Audio/DSP', { ...ETA, ...patch })).toThrow(/ETA must be > 0/);
  });

  it('property: base x multiplier + overhead, always > 0, for any valid config', () => {
    const positive = fc.double({ min: 0.001, max: 1e5, noNaN: true });
    fc.assert(
      fc.property(
        positive,
        positive,
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 600, noNaN: true }),
        fc.boolean(),
        fc.boolean(),
        (modelSeconds, defaultSeconds, multiplier, overhead, knownModel, knownDomain) => {
          const eta: EtaConfig = {
            ...ETA,
            model_seconds: { m: modelSeconds },
            default_model_seconds: defaultSeconds,
            domain_multipliers: { 'CUDA/Kernel': multiplier },
            overhead_seconds: overhead,
          };
          const estimate = tableEta(knownModel ? 'm' : 'other', knownDomain ? 'CUDA/Kernel' : 'Tests/Docs', eta);
          const expected = (knownModel ? modelSeconds : defaultSeconds) * (knownDomain ? multiplier : 1) + overhead;
          expect(estimate.seconds).toBe(expected);
          expect(estimate.seconds).toBeGreaterThan(0);
          expect(estimate.source).toBe('table');
        },
      ),
    );
  });
});

describe('estimateEta (table until history_min_samples, then the history median)', () => {
  const model = 'qwen2.5-coder:32b';
  const domain = 'Audio/DSP';

  it.each<[string, 'table' | 'history', number, string, number[]]>([
    ['no history', 'table', 390, 'table: 300 s x 1.2 + 30 s', []],
    ['1 sample', 'table', 390, 'table: 300 s x 1.2 + 30 s (history: 1 of 5 runs needed)', [100]],
    ['4 samples', 'table', 390, 'table: 300 s x 1.2 + 30 s (history: 4 of 5 runs needed)', [100, 200, 300, 400]],
    ['5 samples (exactly the minimum)', 'history', 300, 'history: median of 5 runs', [500, 100, 300, 200, 400]],
    ['6 samples (even: mean of the middle two)', 'history', 350, 'history: median of 6 runs', [600, 100, 400, 200, 300, 500]],
    ['7 samples', 'history', 100, 'history: median of 7 runs', [1000, 90, 95, 100, 105, 110, 2]],
  ])('%s -> %s %d s', (_name, source, seconds, reason, history) => {
    expect(estimateEta(model, domain, ETA, history)).toEqual({ seconds, source, samples: history.length, reason });
  });

  it('switches at the configured history_min_samples', () => {
    const eta: EtaConfig = { ...ETA, history_min_samples: 2 };
    expect(estimateEta(model, domain, eta, [10]).source).toBe('table');
    expect(estimateEta(model, domain, eta, [10, 20])).toMatchObject({ source: 'history', seconds: 15 });
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('rejects a history duration of %p', (bad) => {
    expect(() => estimateEta(model, domain, ETA, [100, 100, bad, 100, 100])).toThrow(/ETA must be > 0/);
  });

  it('does not change the history it is given', () => {
    const history = [5, 4, 3, 2, 1];
    estimateEta(model, domain, ETA, history);
    expect(history).toEqual([5, 4, 3, 2, 1]);
  });

  it('property: history iff samples >= history_min_samples; then the median, else the table', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.double({ min: 0.5, max: 1e5, noNaN: true }), { maxLength: 20 }),
        (minSamples, history) => {
          const eta: EtaConfig = { ...ETA, history_min_samples: minSamples };
          const estimate = estimateEta(model, domain, eta, history);
          expect(estimate.samples).toBe(history.length);
          expect(estimate.seconds).toBeGreaterThan(0);
          if (history.length >= minSamples) {
            expect(estimate.source).toBe('history');
            expect(estimate.seconds).toBe(median(history));
          } else {
            expect(estimate.source).toBe('table');
            expect(estimate.seconds).toBe(tableEta(model, domain, eta).seconds);
          }
        },
      ),
    );
  });
});

describe('median', () => {
  it.each<[number[], number]>([
    [[5], 5],
    [[1, 3], 2],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 20, 10, 20], 15],
    [[7, 7, 7, 7, 7], 7],
    [[100, 2, 9], 9], // numeric, not string, sort
    [[1, 1000000], 500000.5],
  ])('median(%p) = %p', (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it('rejects an empty list and NaN', () => {
    expect(() => median([])).toThrow(/empty/);
    expect(() => median([1, Number.NaN, 3])).toThrow(/NaN/);
  });

  it('property: between min and max, splits the values in halves, ignores their order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 30 }), fc.nat(), (values, seed) => {
        const m = median(values);
        expect(m).toBeGreaterThanOrEqual(Math.min(...values));
        expect(m).toBeLessThanOrEqual(Math.max(...values));
        const half = values.length / 2;
        expect(values.filter((v) => v <= m).length).toBeGreaterThanOrEqual(half);
        expect(values.filter((v) => v >= m).length).toBeGreaterThanOrEqual(half);
        const rotated = values.map((_, i) => values[(i + seed) % values.length]!).reverse();
        expect(median(rotated)).toBe(m);
      }),
    );
  });
});
