/**
 * Stop-loss escalation (guide section 2): after `stoploss_per_model` failed runs of
 * the current model move to the next model of the chain; severity >= 4 moves on at once; a
 * non-recoverable error or the end of the chain goes to the manual fallback. Never back, no model
 * twice, no model skipped.
 */
import type { Categorization } from '../run-types';

/** Where a task stands in its chain. Plain data: it lives in workflow state and in queries. */
export interface EscalationState {
  readonly chain: readonly string[];
  /** Index of the current model in `chain`. */
  readonly index: number;
  /** Failed runs of the current model so far. */
  readonly failuresOfCurrent: number;
}

export type StopLossDecision =
  | { kind: 'retry'; model: string; rule: 'below-stoploss'; reason: string }
  | { kind: 'escalate'; from: string; to: string; rule: 'stoploss' | 'severity'; reason: string }
  | { kind: 'fallback'; from: string; rule: 'chain-exhausted' | 'non-recoverable'; reason: string };

/** The model a state points at. */
export function currentModel(state: EscalationState): string {
  return state.chain[state.index]!;
}

export function startEscalation(chain: readonly string[], startIndex = 0): EscalationState {
  if (chain.length === 0) throw new Error('startEscalation: empty chain');
  if (startIndex < 0 || startIndex >= chain.length) throw new Error(`startEscalation: start index ${startIndex} outside the chain`);
  return { chain, index: startIndex, failuresOfCurrent: 0 };
}

/** Decides what follows a failed run, and the state after it. */
export function afterFailure(
  state: EscalationState,
  failure: Pick<Categorization, 'severity' | 'recoverable' | 'errorType'>,
  stoplossPerModel: number,
): { state: EscalationState; decision: StopLossDecision } {
  const from = currentModel(state);
  const failures = state.failuresOfCurrent + 1;
  const failed: EscalationState = { ...state, failuresOfCurrent: failures };
  if (!failure.recoverable) {
    return {
      state: failed,
      decision: { kind: 'fallback', from, rule: 'non-recoverable', reason: `${failure.errorType} error is not recoverable by any model` },
    };
  }
  let rule: 'stoploss' | 'severity' | undefined;
  let why = '';
  if (failure.severity >= 4) {
    rule = 'severity';
    why = `severity ${failure.severity} >= 4`;
  } else if (failures >= stoplossPerModel) {
    rule = 'stoploss';
    why = `${failures} of ${stoplossPerModel} failed runs of ${from}`;
  }
  if (!rule) {
    return {
      state: failed,
      decision: { kind: 'retry', model: from, rule: 'below-stoploss', reason: `${failures} of ${stoplossPerModel} failed runs of ${from}` },
    };
  }
  const nextIndex = state.index + 1;
  if (nextIndex >= state.chain.length) {
    return { state: failed, decision: { kind: 'fallback', from, rule: 'chain-exhausted', reason: `${why}; ${from} was the last model of the chain` } };
  }
  const to = state.chain[nextIndex]!;
  return {
    state: { chain: state.chain, index: nextIndex, failuresOfCurrent: 0 },
    decision: { kind: 'escalate', from, to, rule, reason: `${why} -> ${to}` },
  };
}
