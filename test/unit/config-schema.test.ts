/**
 * `config/optimization_config.json` (guide section 7): defaults, errors that name the field, weights
 * that must sum to 1, unknown keys, deep freezing, and the shipped file and its template.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfigError, configSchema, defaultConfig, parseConfig } from '../../policy/schemas/config-schema';
import { chainForDomain } from '../../policy/rules/routing';

const CONFIG_DIR = join(__dirname, '..', '..', 'config');

/** The guide's routing table (section 2), written out here. */
const GUIDE_ROUTING = {
  'CUDA/Kernel': ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'],
  'C++/System': ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'],
  'Audio/DSP': ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b'],
  'Tests/Docs': ['phi4:latest', 'mistral:7b', 'llama3.1:8b', 'qwen2.5:32b'],
  'Planning/Refactor': ['qwen2.5:32b', 'deepseek-r1:32b', 'mistral:7b'],
};

/** The message of the ConfigError that `value` raises. */
function configError(value: unknown, source = 'cfg.json'): string {
  try {
    parseConfig(source, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be refused`);
}

function expectDeeplyFrozen(value: unknown, path = 'config'): void {
  if (value === null || typeof value !== 'object') return;
  if (!Object.isFrozen(value)) throw new Error(`${path} is not frozen`);
  for (const [key, child] of Object.entries(value)) expectDeeplyFrozen(child, `${path}.${key}`);
}

describe('defaultConfig', () => {
  const config = defaultConfig();

  it("equals the guide's section 7 values", () => {
    expect(config).toMatchObject({
      max_optimization_iterations: 10,
      target_score: 80,
      retry_build: 2,
      retry_test: 1,
      retry_profile: 1,
      stoploss_per_model: 2,
      max_concurrent_builds: 3,
      enable_meta_supervisor: true,
      enable_two_tier_profiling: true,
      enable_async_io: true,
      meta_supervisor_weights: { failure_weight: 0.5, time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1 },
      hybrid_decision_weights: { meta_bias: 0.4, complexity: 0.3, failure_state: 0.3 },
      two_tier_profiling: { score_change_threshold: 5, max_tier0_streak: 5 },
      timeouts: { build: 300, test: 120, profile: 900 },
    });
  });

  it("routes by the guide's table, with mistral:7b as the default route (the guide's ROUTES.get fallback)", () => {
    expect(config.routing).toEqual(GUIDE_ROUTING);
    expect(config.default_route).toEqual(['mistral:7b']);
  });

  it('is the same as parsing an empty file', () => {
    expect(parseConfig('empty.json', {})).toEqual(config);
  });

  it('is deeply frozen', () => {
    expectDeeplyFrozen(config);
    expect(Object.isFrozen(config.routing['CUDA/Kernel'])).toBe(true);
  });

  it('gives each call its own value (freezing one does not leak into the schema defaults)', () => {
    expect(defaultConfig()).toEqual(config);
    expect(configSchema.parse({}).routing).toEqual(GUIDE_ROUTING);
  });
});

describe.each(['optimization_config.json', 'optimization_config.json.template'])('config/%s', (file) => {
  it('parses and equals the defaults', () => {
    const raw: unknown = JSON.parse(readFileSync(join(CONFIG_DIR, file), 'utf8'));
    const config = parseConfig(file, raw);
    expect(config).toEqual(defaultConfig());
    expectDeeplyFrozen(config);
  });
});

describe('parseConfig', () => {
  it('fills in defaults beside the values given, also inside nested objects', () => {
    const config = parseConfig('cfg.json', { target_score: 90, timeouts: { build: 600 }, two_tier_profiling: { max_tier0_streak: 3 } });
    expect(config.target_score).toBe(90);
    expect(config.max_optimization_iterations).toBe(10);
    expect(config.timeouts).toMatchObject({ build: 600, test: 120, profile: 900 });
    expect(config.two_tier_profiling).toEqual({ score_change_threshold: 5, max_tier0_streak: 3 });
    expectDeeplyFrozen(config);
  });

  it('a frozen result cannot be changed', () => {
    const config = parseConfig('cfg.json', {}) as { target_score: number; routing: Record<string, string[]> };
    expect(() => {
      'use strict';
      config.target_score = 1;
    }).toThrow(TypeError);
    expect(() => config.routing['CUDA/Kernel']!.push('x')).toThrow(TypeError);
  });

  it.each<[string, unknown, string]>([
    ['a weight of the wrong type', { meta_supervisor_weights: { failure_weight: 'half', time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1 } }, 'meta_supervisor_weights.failure_weight'],
    ['a weight above 1', { meta_supervisor_weights: { failure_weight: 1.5, time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1 } }, 'meta_supervisor_weights.failure_weight'],
    ['a negative weight', { hybrid_decision_weights: { meta_bias: -0.1, complexity: 0.6, failure_state: 0.5 } }, 'hybrid_decision_weights.meta_bias'],
    ['stoploss 0', { stoploss_per_model: 0 }, 'stoploss_per_model'],
    ['stoploss 1.5', { stoploss_per_model: 1.5 }, 'stoploss_per_model'],
    ['target score above 100', { target_score: 101 }, 'target_score'],
    ['a string for a number', { max_concurrent_builds: 'three' }, 'max_concurrent_builds'],
    ['a string for a boolean', { enable_meta_supervisor: 'yes' }, 'enable_meta_supervisor'],
    ['a zero timeout', { timeouts: { build: 0 } }, 'timeouts.build'],
    ['a fractional timeout', { timeouts: { test: 1.5 } }, 'timeouts.test'],
    ['a zero tier-0 streak', { two_tier_profiling: { max_tier0_streak: 0 } }, 'two_tier_profiling.max_tier0_streak'],
    ['an empty chain', { routing: { ...GUIDE_ROUTING, 'CUDA/Kernel': [] } }, 'routing.CUDA/Kernel'],
    ['a model twice in a chain', { routing: { ...GUIDE_ROUTING, 'C++/System': ['a', 'b', 'a'] } }, 'routing.C++/System'],
    ['an empty model name', { routing: { ...GUIDE_ROUTING, 'Audio/DSP': [''] } }, 'routing.Audio/DSP.0'],
    ['an empty default route', { default_route: [] }, 'default_route'],
    ['an unknown provider', { llm: { provider: 'anthropic' } }, 'llm.provider'],
    ['a tiny output limit', { output_keep_chars: 10 }, 'output_keep_chars'],
  ])('refuses %s, naming the field', (_name, value, field) => {
    expect(configError(value, 'conf/opt.json')).toContain(`conf/opt.json: ${field}: `);
  });

  it('names every bad field, one per line', () => {
    const message = configError({ retry_build: -1, timeouts: { profile: 'long' } });
    expect(message).toContain('cfg.json: retry_build: ');
    expect(message).toContain('cfg.json: timeouts.profile: ');
  });

  it('refuses a config that is not an object', () => {
    expect(configError([])).toContain('cfg.json: (top level): ');
    expect(configError('x')).toContain('cfg.json: (top level): ');
  });

  it.each<[string, unknown, string]>([
    ['meta-supervisor weights summing to 1.1', { meta_supervisor_weights: { failure_weight: 0.5, time_weight: 0.3, count_weight: 0.2, recency_weight: 0.1 } }, 'meta_supervisor_weights'],
    ['meta-supervisor weights summing to 0.9', { meta_supervisor_weights: { failure_weight: 0.4, time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1 } }, 'meta_supervisor_weights'],
    ['one weight changed, the others left at their defaults', { meta_supervisor_weights: { failure_weight: 0.6 } }, 'meta_supervisor_weights'],
    ['hybrid weights summing to 1.1', { hybrid_decision_weights: { meta_bias: 0.5, complexity: 0.3, failure_state: 0.3 } }, 'hybrid_decision_weights'],
    ['hybrid weights all zero', { hybrid_decision_weights: { meta_bias: 0, complexity: 0, failure_state: 0 } }, 'hybrid_decision_weights'],
  ])('refuses %s', (_name, value, field) => {
    expect(configError(value)).toContain(`cfg.json: ${field}: weights must sum to 1`);
  });

  it('property: any weights that sum to 1 are accepted', () => {
    const hundredths = fc.array(fc.nat(100), { minLength: 3, maxLength: 3 }).filter((xs) => xs.reduce((a, b) => a + b, 0) <= 100);
    fc.assert(
      fc.property(hundredths, hundredths, ([a, b, c], [m, x]) => {
        const meta = { failure_weight: a! / 100, time_weight: b! / 100, count_weight: c! / 100, recency_weight: (100 - a! - b! - c!) / 100 };
        const hybrid = { meta_bias: m! / 100, complexity: (100 - m!) / 100 - x! / 200, failure_state: x! / 200 };
        if (hybrid.complexity < 0) return;
        const config = parseConfig('cfg.json', { meta_supervisor_weights: meta, hybrid_decision_weights: hybrid });
        expect(config.meta_supervisor_weights).toEqual(meta);
      }),
    );
  });

  it.each<[string, unknown, string]>([
    ['at the top level', { stop_loss: 2 }, '(top level)'],
    ['in meta_supervisor_weights', { meta_supervisor_weights: { failure_weight: 0.5, time_weight: 0.2, count_weight: 0.2, recency_weight: 0.1, bias_weight: 0 } }, 'meta_supervisor_weights'],
    ['in hybrid_decision_weights', { hybrid_decision_weights: { meta_bias: 0.4, complexity: 0.3, failure_state: 0.3, speed: 0 } }, 'hybrid_decision_weights'],
    ['in two_tier_profiling', { two_tier_profiling: { threshold: 5 } }, 'two_tier_profiling'],
    ['in timeouts', { timeouts: { compile: 300 } }, 'timeouts'],
    ['in llm', { llm: { api_key: 'sk-secret' } }, 'llm'],
    ['in sandbox', { sandbox: { gpu_memory_mb: 1 } }, 'sandbox'],
  ])('refuses an unknown key %s', (_name, value, field) => {
    const unknownKey = Object.keys(Object.values(value as object)[0] as object).pop()!;
    const key = field === '(top level)' ? Object.keys(value as object)[0]! : unknownKey;
    const message = configError(value);
    expect(message).toContain(`cfg.json: ${field}: `);
    expect(message).toContain(`"${key}"`);
  });

  it('refuses an unknown domain in the routing table', () => {
    expect(configError({ routing: { ...GUIDE_ROUTING, 'Rust/Web': ['a'] } })).toContain('cfg.json: routing');
  });

  it('accepts a routing table that names only some domains; the others keep the guide chain', () => {
    const config = parseConfig('cfg.json', { routing: { 'CUDA/Kernel': ['deepseek-r1:32b', 'qwen2.5:32b'] } });
    expect(config.routing).toEqual({ ...GUIDE_ROUTING, 'CUDA/Kernel': ['deepseek-r1:32b', 'qwen2.5:32b'] });
    expect(chainForDomain(config, 'CUDA/Kernel').models).toEqual(['deepseek-r1:32b', 'qwen2.5:32b']);
    expect(chainForDomain(config, 'Audio/DSP').models).toEqual(GUIDE_ROUTING['Audio/DSP']);
    expectDeeplyFrozen(config);
  });
});
