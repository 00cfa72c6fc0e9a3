/**
 * Failure state (guide section 3): min(1, 0.5 + min(0.3, 0.1·retries) + error factor)
 * with COMPILATION 0, RUNTIME 0.1, PERFORMANCE 0.2, LOGIC 0.15, none/other (GENERATION, null) 0.1.
 */
import fc from 'fast-check';
import { errorFactor, failureStateScore } from '../../policy/rules/failure-state';
import { ERROR_TYPES, type ErrorType } from '../../policy/run-types';

describe('failureStateScore', () => {
  it.each<[number, ErrorType | null, number]>([
    [1, 'RUNTIME', 0.7], // the guide's example
    [0, 'COMPILATION', 0.5],
    [0, 'RUNTIME', 0.6],
    [0, 'PERFORMANCE', 0.7],
    [0, 'LOGIC', 0.65],
    [0, 'GENERATION', 0.6],
    [0, null, 0.6],
    [2, 'LOGIC', 0.85],
    [3, 'COMPILATION', 0.8],
    [3, 'LOGIC', 0.95],
    [3, 'PERFORMANCE', 1.0],
    [10, 'PERFORMANCE', 1.0],
    [10, 'RUNTIME', 0.9], // retries cap at +0.3
    [4, null, 0.9],
    [-1, 'COMPILATION', 0.5], // a negative count is 0
    [Number.NaN, 'RUNTIME', 0.6],
    [1.9, 'COMPILATION', 0.6], // rounded down
  ])('retries %p, last error %p -> %p', (retries, type, score) => {
    expect(failureStateScore(retries, type)).toBe(score);
  });

  it.each<[ErrorType | null, number]>([
    ['COMPILATION', 0],
    ['RUNTIME', 0.1],
    ['PERFORMANCE', 0.2],
    ['LOGIC', 0.15],
    ['GENERATION', 0.1],
    [null, 0.1],
  ])('error factor of %p = %p', (type, factor) => {
    expect(errorFactor(type)).toBe(factor);
  });

  it('stays in [0.5, 1] and never falls with more retries', () => {
    const type = fc.constantFrom<ErrorType | null>(null, ...ERROR_TYPES);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 50 }), type, (a, b, t) => {
        const score = failureStateScore(a, t);
        expect(score).toBeGreaterThanOrEqual(0.5);
        expect(score).toBeLessThanOrEqual(1);
        expect(failureStateScore(a + b, t)).toBeGreaterThanOrEqual(score);
      }),
    );
  });
});
