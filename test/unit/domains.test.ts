/** Inferring a task's domain from its language and goal. */
import fc from 'fast-check';
import { DOMAINS, inferDomain, isDomain, type Domain } from '../../policy/rules/domains';

describe('inferDomain', () => {
  it.each<['cuda' | 'cpp', string, Domain]>([
    ['cuda', 'Implementiere CUDA Kernel für Matrix-Multiplikation', 'CUDA/Kernel'],
    ['cuda', 'Write unit tests and documentation for the audio FFT', 'CUDA/Kernel'],
    ['cpp', 'Implement a biquad filter for a 48 kHz stream', 'Audio/DSP'],
    ['cpp', 'Resample PCM audio from 44.1 to 48 kHz', 'Audio/DSP'],
    ['cpp', 'An FFT of 1024 points', 'Audio/DSP'],
    ['cpp', 'A simple REVERB effect', 'Audio/DSP'],
    ['cpp', 'Write unit tests for the bounded queue', 'Tests/Docs'],
    ['cpp', 'Add docstrings and a README', 'Tests/Docs'],
    ['cpp', 'Refactor the allocator', 'Planning/Refactor'],
    ['cpp', 'Plan the architecture of the scheduler', 'Planning/Refactor'],
    ['cpp', 'Implement a lock-free bounded queue', 'C++/System'],
    ['cpp', 'Write a thread pool with a planner thread', 'C++/System'],
    ['cpp', '', 'C++/System'],
  ])('%s "%s" -> %s', (language, goal, domain) => {
    expect(inferDomain(language, goal).domain).toBe(domain);
  });

  it.each([
    ['cuda', 'anything', 'language cuda'],
    ['cpp', 'a biquad filter', '"biquad"'],
    ['cpp', 'a test suite', '"test suite"'],
    ['cpp', 'restructure the module', '"restructure"'],
    ['cpp', 'a ring buffer', 'no more specific keyword'],
  ] as const)('the reason says why (%s "%s")', (language, goal, reason) => {
    const inference = inferDomain(language, goal);
    expect(inference.reason).toMatch(/^inferred: /);
    expect(inference.reason).toContain(reason);
  });

  it('property: cuda is always CUDA/Kernel, and every inference is one of the guide domains', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(inferDomain('cuda', text).domain).toBe('CUDA/Kernel');
        expect(DOMAINS).toContain(inferDomain('cpp', text).domain);
      }),
    );
  });
});

describe('isDomain', () => {
  it.each([...DOMAINS])('accepts %s', (d) => expect(isDomain(d)).toBe(true));
  it.each(['cuda/kernel', 'CUDA', 'Rust/Web', ''])('refuses %j', (d) => expect(isDomain(d)).toBe(false));
});
