/**
 * Hybrid decision at a task's start (guide section 3): the guide's worked example end to end, the score tiers at their bounds, every rule of
 * decideStart as a table, then properties: the start never moves back in the chain, the start model
 * is always in the returned chain, the chain has no duplicates.
 */
import fc from 'fast-check';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import { detectComplexity } from '../../policy/rules/complexity';
import { failureStateScore } from '../../policy/rules/failure-state';
import { decideStart, formatScore, hybridScore, modelForScore, type StartDecision } from '../../policy/rules/hybrid-decision';
import type { BiasRecommendation } from '../../policy/rules/meta-supervisor';

const config = defaultConfig();
const weights = config.hybrid_decision_weights;
const tiers = config.hybrid_model_tiers;

const CUDA = ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'];
const CPP = ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'];
const DOCS = ['phi4:latest', 'mistral:7b', 'llama3.1:8b', 'qwen2.5:32b'];
const PLANNING = ['qwen2.5:32b', 'deepseek-r1:32b', 'mistral:7b'];

const bias = (model: string, weightedSuccessRate: number, runs: number): BiasRecommendation => ({ domain: 'd', model, weightedSuccessRate, runs });

/** The guide's example: "CUDA Kernel für FFT mit Shared Memory". */
const FFT_KERNEL = '__global__ void fft(float2* d) { __shared__ float2 s[64]; __syncthreads(); } // cufft\nfft<<<1, 64>>>(d);';

describe('the guide worked example', () => {
  it('meta 0.91, complexity 1.0, failure state (retry 1, RUNTIME) 0.7 -> 0.874 -> deepseek-r1:32b', () => {
    const complexity = detectComplexity(FFT_KERNEL, 'cuda');
    expect(complexity.score).toBe(1.0);
    const failure = failureStateScore(1, 'RUNTIME');
    expect(failure).toBe(0.7);
    const score = hybridScore({ meta: 0.91, complexity: complexity.score, failureState: failure }, weights);
    expect(score).toBeCloseTo(0.874, 12);
    expect(modelForScore(score, tiers)).toBe('deepseek-r1:32b');
  });

  it('decideStart on the CUDA chain with bias qwen2.5-coder:32b (0.91, 15 runs) starts at deepseek-r1:32b', () => {
    const complexity = detectComplexity(FFT_KERNEL, 'cuda');
    const decision = decideStart({ domainChain: CUDA, bias: bias('qwen2.5-coder:32b', 0.91, 15), complexity, failureState: failureStateScore(1, 'RUNTIME'), config });
    expect(decision).toEqual<StartDecision>({
      model: 'deepseek-r1:32b',
      chain: CUDA,
      startIndex: 1,
      rule: 'hybrid-jump',
      metaEnabled: true,
      biasModel: 'qwen2.5-coder:32b',
      biasConfidence: 0.91,
      biasRuns: 15,
      metaScore: 0.91,
      complexity: 1.0,
      complexityMatched: complexity.matched,
      failureState: 0.7,
      finalScore: 0.874,
      scoreModel: 'deepseek-r1:32b',
      summary: 'start deepseek-r1:32b: bias 0.91 (15 runs), complexity 1.0, failure 0.7 -> 0.874',
    });
  });
});

describe('modelForScore: the default tiers at their bounds', () => {
  it.each([
    [0, 'mistral:7b'],
    [0.399, 'mistral:7b'],
    [0.4, 'deepseek-coder-v2:16b'],
    [0.599, 'deepseek-coder-v2:16b'],
    [0.6, 'qwen2.5-coder:32b'],
    [0.799, 'qwen2.5-coder:32b'],
    [0.8, 'deepseek-r1:32b'],
    [1, 'deepseek-r1:32b'],
  ])('%p -> %s', (score, model) => {
    expect(modelForScore(score, tiers)).toBe(model);
  });

  it('a single unbounded tier takes everything', () => {
    expect(modelForScore(0.1, [{ below: null, model: 'only' }])).toBe('only');
  });
});

describe('hybridScore', () => {
  it.each([
    [{ meta: 0.91, complexity: 1, failureState: 0.7 }, 0.874],
    [{ meta: 0.5, complexity: 0.5, failureState: 0.5 }, 0.5],
    [{ meta: 0.5, complexity: 0.6, failureState: 0.6 }, 0.56],
    // 0.4·0.5 + 0.3·1 + 0.3·1 = 0.8 exactly, so it is not pushed below the 0.8 tier bound by float noise
    [{ meta: 0.5, complexity: 1, failureState: 1 }, 0.8],
  ])('%p -> %p', (parts, score) => {
    expect(hybridScore(parts, weights)).toBe(score);
  });

  it('takes its weights from the config', () => {
    expect(hybridScore({ meta: 1, complexity: 0, failureState: 0 }, { meta_bias: 0.6, complexity: 0.2, failure_state: 0.2 })).toBe(0.6);
  });
});

describe('formatScore', () => {
  it.each([
    [0.91, '0.91'],
    [1, '1.0'],
    [0.7, '0.7'],
    [0.874, '0.874'],
    [0.8740000000000001, '0.874'],
    [0.12345, '0.123'],
    [0, '0.0'],
    [-0.0001, '0.0'],
    [0.5, '0.5'],
  ])('%p -> %s', (value, text) => {
    expect(formatScore(value)).toBe(text);
  });
});

describe('decideStart: the rules', () => {
  type Row = [string, readonly string[], BiasRecommendation | null, number, number, boolean, Partial<StartDecision>];
  it.each<Row>([
    [
      'meta-supervisor off: chain head (Phase 6), bias ignored, scores for the record with meta 0.5',
      CUDA, bias('qwen2.5-coder:32b', 0.91, 15), 1.0, 0.7, false,
      {
        model: 'qwen2.5-coder:32b', chain: CUDA, startIndex: 0, rule: 'static-chain-head', metaEnabled: false,
        biasModel: null, biasConfidence: null, biasRuns: null, metaScore: 0.5, finalScore: 0.71, scoreModel: 'qwen2.5-coder:32b',
        summary: 'start qwen2.5-coder:32b: meta-supervisor off (meta 0.5), complexity 1.0, failure 0.7 -> 0.71; chain head (score maps to qwen2.5-coder:32b, for the record only)',
      },
    ],
    [
      'meta-supervisor off: no jump even when the score model stands later',
      CUDA, null, 0.6, 0.6, false,
      { model: 'qwen2.5-coder:32b', startIndex: 0, rule: 'static-chain-head', finalScore: 0.56, scoreModel: 'deepseek-coder-v2:16b' },
    ],
    [
      'no bias, score model is the chain head: chain head kept',
      CUDA, null, 0.8, 0.6, true,
      {
        model: 'qwen2.5-coder:32b', startIndex: 0, rule: 'chain-head', metaScore: 0.5, finalScore: 0.62, biasModel: null,
        summary: 'start qwen2.5-coder:32b: no bias (meta 0.5), complexity 0.8, failure 0.6 -> 0.62; score maps to qwen2.5-coder:32b (the start model), chain head kept',
      },
    ],
    [
      // The rule as written: the 0.4..0.6 tier model is third in the CUDA chain.
      'no bias, a fresh simple CUDA task (0.5, 0.6, 0.6 -> 0.56): jumps to deepseek-coder-v2:16b, later in the CUDA chain',
      CUDA, null, 0.6, 0.6, true,
      { model: 'deepseek-coder-v2:16b', startIndex: 2, rule: 'hybrid-jump', summary: 'start deepseek-coder-v2:16b: no bias (meta 0.5), complexity 0.6, failure 0.6 -> 0.56' },
    ],
    [
      'no bias, score model not in the chain: changes nothing',
      DOCS, null, 0.5, 0.6, true,
      {
        model: 'phi4:latest', chain: DOCS, startIndex: 0, rule: 'chain-head', scoreModel: 'deepseek-coder-v2:16b',
        summary: 'start phi4:latest: no bias (meta 0.5), complexity 0.5, failure 0.6 -> 0.53; score maps to deepseek-coder-v2:16b (not in the chain), chain head kept',
      },
    ],
    [
      'bias later in the chain than the score model: never earlier, bias kept',
      CPP, bias('deepseek-r1:32b', 0.9, 10), 0.5, 0.5, true,
      {
        model: 'deepseek-r1:32b', chain: CPP, startIndex: 2, rule: 'bias', metaScore: 0.9, finalScore: 0.66, scoreModel: 'qwen2.5-coder:32b',
        summary: 'start deepseek-r1:32b: bias 0.9 (10 runs), complexity 0.5, failure 0.5 -> 0.66; score maps to qwen2.5-coder:32b (not later in the chain), bias model kept',
      },
    ],
    [
      'bias is the chain head and the score model: rule bias',
      CUDA, bias('qwen2.5-coder:32b', 0.8, 9), 0.8, 0.6, true,
      { model: 'qwen2.5-coder:32b', startIndex: 0, rule: 'bias', finalScore: 0.74, biasRuns: 9 },
    ],
    [
      'bias not in the chain: put in front for this task, then the score jumps within that chain',
      CUDA, bias('phi4:latest', 0.7, 6), 0.5, 0.6, true,
      { model: 'qwen2.5-coder:32b', chain: ['phi4:latest', ...CUDA], startIndex: 1, rule: 'hybrid-jump', finalScore: 0.61, biasModel: 'phi4:latest' },
    ],
    [
      'bias in the chain, not the head, score model outside the chain: bias kept',
      PLANNING, bias('deepseek-r1:32b', 0.8, 7), 0.5, 0.5, true,
      { model: 'deepseek-r1:32b', chain: PLANNING, startIndex: 1, rule: 'bias', finalScore: 0.62, scoreModel: 'qwen2.5-coder:32b' },
    ],
  ])('%s', (_name, domainChain, b, complexity, failureState, enabled, expected) => {
    const decision = decideStart({
      domainChain,
      bias: b,
      complexity: { score: complexity, matched: [] },
      failureState,
      config: { ...config, enable_meta_supervisor: enabled },
    });
    expect(decision).toMatchObject(expected);
    expect(decision.chain[decision.startIndex]).toBe(decision.model);
  });

  it('does not change its inputs and copies the chain', () => {
    const chain = [...CUDA];
    const decision = decideStart({ domainChain: chain, bias: null, complexity: { score: 0.5, matched: [] }, failureState: 0.5, config });
    decision.chain.push('x');
    expect(chain).toEqual(CUDA);
  });

  it('an empty chain without a bias is refused; with a bias the bias model is the chain', () => {
    const input = { domainChain: [] as string[], complexity: { score: 0.5, matched: [] }, failureState: 0.5, config };
    expect(() => decideStart({ ...input, bias: null })).toThrow(/empty/);
    expect(decideStart({ ...input, bias: bias('m', 0.7, 5) })).toMatchObject({ model: 'm', chain: ['m'], startIndex: 0 });
  });
});

describe('decideStart: properties', () => {
  const pool = ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b', 'mistral:7b', 'phi4:latest', 'llama3.1:8b'];
  const name = fc.constantFrom(...pool);
  const unit = fc.double({ min: 0, max: 1, noNaN: true });
  const tiersArb = fc.tuple(name, name, name, name).map(
    ([a, b, c, d]): KisystemConfig['hybrid_model_tiers'] => [
      { below: 0.4, model: a },
      { below: 0.6, model: b },
      { below: 0.8, model: c },
      { below: null, model: d },
    ],
  );
  const input = fc.record({
    // duplicates allowed: a chain that names a model twice keeps its first place
    domainChain: fc.array(name, { minLength: 1, maxLength: 6 }),
    bias: fc.option(fc.record({ domain: fc.constant('d'), model: name, weightedSuccessRate: unit, runs: fc.integer({ min: 0, max: 100 }) }), { nil: null }),
    complexity: fc.record({ score: unit, matched: fc.constant([] as string[]) }),
    failureState: unit,
    enabled: fc.boolean(),
    tiers: tiersArb,
  });

  it('never starts before the start model; the model is in the chain; no duplicates; off = chain head', () => {
    fc.assert(
      fc.property(input, ({ enabled, tiers: t, ...rest }) => {
        const decision = decideStart({ ...rest, config: { ...config, enable_meta_supervisor: enabled, hybrid_model_tiers: t } });
        const { chain, startIndex, model } = decision;
        expect(new Set(chain).size).toBe(chain.length);
        expect(chain[startIndex]).toBe(model);
        const head = [...new Set(rest.domainChain)];
        if (!enabled) {
          expect(model).toBe(head[0]);
          expect(decision.rule).toBe('static-chain-head');
          expect(chain).toEqual(head);
          return;
        }
        const startModel = rest.bias ? rest.bias.model : head[0]!;
        const startModelIndex = chain.indexOf(startModel);
        expect(startModelIndex).toBeGreaterThanOrEqual(0);
        expect(startIndex).toBeGreaterThanOrEqual(startModelIndex);
        expect(chain).toEqual(head.includes(startModel) ? head : [startModel, ...head]);
        if (decision.rule === 'hybrid-jump') {
          expect(model).toBe(decision.scoreModel);
          expect(startIndex).toBeGreaterThan(startModelIndex);
        } else {
          expect(model).toBe(startModel);
          expect(chain.indexOf(decision.scoreModel)).toBeLessThanOrEqual(startModelIndex);
        }
      }),
    );
  });
});
