/**
 * Failure state (guide section 3):
 * min(1, 0.5 + min(0.3, 0.1·retries) + error factor).
 *
 * Summed in hundredths (integers) so that 0.5 + 0.1 + 0.1 is exactly 0.7.
 */
import type { ErrorType } from '../run-types';

/** The error factor per type, in hundredths. GENERATION (and no error) take the guide's "else": 0.1. */
export const ERROR_FACTOR_HUNDREDTHS: Readonly<Record<ErrorType, number>> = {
  COMPILATION: 0,
  RUNTIME: 10,
  PERFORMANCE: 20,
  LOGIC: 15,
  GENERATION: 10,
};
const OTHER_FACTOR_HUNDREDTHS = 10;

/** The error factor of a type (0.1 for none or a type the guide does not name). */
export function errorFactor(lastErrorType: ErrorType | null): number {
  const hundredths = lastErrorType === null ? OTHER_FACTOR_HUNDREDTHS : (ERROR_FACTOR_HUNDREDTHS[lastErrorType] ?? OTHER_FACTOR_HUNDREDTHS);
  return hundredths / 100;
}

/**
 * The failure-state score. `retries`: earlier failed runs (at a task's start: of the same task id);
 * a negative count or NaN is 0, a fractional one is rounded down.
 */
export function failureStateScore(retries: number, lastErrorType: ErrorType | null): number {
  const count = Number.isNaN(retries) ? 0 : Math.max(0, Math.floor(retries));
  const retryHundredths = Math.min(30, 10 * count);
  const hundredths = 50 + retryHundredths + Math.round(errorFactor(lastErrorType) * 100);
  return Math.min(100, hundredths) / 100;
}
