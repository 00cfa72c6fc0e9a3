/**
 * Domain chains (guide section 2 routing table: an unknown domain uses the
 * configured default route and says so) and the start of a task's chain at a bias model.
 */
import fc from 'fast-check';
import { defaultConfig, type KisystemConfig } from '../../policy/schemas/config-schema';
import type { Domain } from '../../policy/rules/domains';
import { chainForDomain, chainStartingAt } from '../../policy/rules/routing';

/** The guide's table, written out here rather than taken from the code under test. */
const GUIDE_TABLE: [Domain, string[]][] = [
  ['CUDA/Kernel', ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b']],
  ['C++/System', ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b']],
  ['Audio/DSP', ['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b']],
  ['Tests/Docs', ['phi4:latest', 'mistral:7b', 'llama3.1:8b', 'qwen2.5:32b']],
  ['Planning/Refactor', ['qwen2.5:32b', 'deepseek-r1:32b', 'mistral:7b']],
];

type RoutingConfig = Pick<KisystemConfig, 'routing' | 'default_route'>;

describe('chainForDomain', () => {
  it.each(GUIDE_TABLE)('%s: the default config gives the guide chain', (domain, models) => {
    const chain = chainForDomain(defaultConfig(), domain);
    expect(chain.models).toEqual(models);
    expect(chain.reason).toBe(`routing table for ${domain}`);
  });

  it('a domain missing from the routing table gets the default route, and says so', () => {
    const config = { routing: { 'CUDA/Kernel': ['qwen2.5-coder:32b'] }, default_route: ['mistral:7b'] } as unknown as RoutingConfig;
    const chain = chainForDomain(config, 'Audio/DSP');
    expect(chain.models).toEqual(['mistral:7b']);
    expect(chain.reason).toMatch(/default route/);
    expect(chain.reason).toContain('Audio/DSP');
    expect(chainForDomain(config, 'CUDA/Kernel').models).toEqual(['qwen2.5-coder:32b']);
  });

  it('an empty chain in the table also falls back to the default route', () => {
    const config = { routing: { 'Tests/Docs': [] }, default_route: ['phi4:latest', 'mistral:7b'] } as unknown as RoutingConfig;
    expect(chainForDomain(config, 'Tests/Docs').models).toEqual(['phi4:latest', 'mistral:7b']);
  });
});

describe('chainStartingAt', () => {
  const chain = GUIDE_TABLE[0]![1];

  it.each([
    ['the first model', 'qwen2.5-coder:32b', chain, 0],
    ['a model later in the chain', 'deepseek-coder-v2:16b', chain, 2],
    ['the last model', 'qwen2.5:32b', chain, 3],
    ['a bias model outside the chain (put in front)', 'phi4:latest', ['phi4:latest', ...chain], 0],
  ])('starting at %s', (_name, start, models, index) => {
    expect(chainStartingAt(chain, start)).toEqual({ models, startIndex: index });
  });

  it('returns a copy, never the configured chain itself', () => {
    const result = chainStartingAt(chain, 'deepseek-r1:32b');
    expect(result.models).not.toBe(chain);
    result.models.push('x');
    expect(chain).toHaveLength(4);
  });

  it('property: the start model sits at startIndex, the chain order is kept, no model appears twice', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
        fc.string({ minLength: 1, maxLength: 8 }),
        (models, start) => {
          const result = chainStartingAt(models, start);
          expect(result.models[result.startIndex]).toBe(start);
          expect(new Set(result.models).size).toBe(result.models.length);
          expect(result.models.filter((m) => models.includes(m))).toEqual(models);
        },
      ),
    );
  });
});
