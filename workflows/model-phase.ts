/**
 * The model phase (guide section 2): ask the current model, build, test, record the run, and let
 * stop-loss decide after each failure: retry, escalate along the chain, or go to the manual fallback.
 */
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { buildPrompt, type PreviousFailure } from '../policy/prompts/prompt';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { afterFailure, currentModel, type EscalationState } from '../policy/rules/stop-loss';
import { isPassed, type PassedAttempt, type TaskAttempts } from './attempt';
import { infrastructureFault } from './faults';
import { runOf, type RunRecorder } from './run-record';
import type { TaskStateStore } from './task-state';

export interface ModelPhaseInput {
  task: ResolvedTask;
  config: KisystemConfig;
  /** Stop-loss state at the start model (the start decision's). */
  escalation: EscalationState;
  attempts: TaskAttempts;
  recorder: RunRecorder;
  store: TaskStateStore;
}

export type ModelPhaseEnd =
  | { kind: 'passed'; passing: PassedAttempt; escalation: EscalationState }
  | { kind: 'fallback'; reason: string; lastAttemptNo: number };

export async function modelPhase(input: ModelPhaseInput): Promise<ModelPhaseEnd> {
  const { task, config, attempts, recorder, store } = input;
  let escalation = input.escalation;
  let previous: PreviousFailure | undefined;
  for (let attemptNo = 1; ; attemptNo++) {
    const model = currentModel(escalation);
    const outcome = await attempts
      .generated(attemptNo, model, buildPrompt(task, previous))
      .catch((e) => infrastructureFault(e, `run #${attemptNo} with ${model}`));
    if (isPassed(outcome)) {
      await recorder.record(runOf(outcome, 'model'), null);
      return { kind: 'passed', passing: outcome, escalation };
    }
    const failure = outcome.categorization;
    const next = afterFailure(escalation, failure, config.stoploss_per_model);
    await recorder.record(runOf(outcome, 'model'), next.decision);
    escalation = next.state;
    store.setEscalation(escalation);
    // A fresh model starts from the goal and the last failure, not from a long transcript.
    previous = { model, code: outcome.files[0]?.content ?? '', output: outcome.output, categorization: failure };
    if (next.decision.kind === 'escalate') {
      const d = next.decision;
      store.addEscalation({ afterAttempt: attemptNo, from: d.from, to: d.to, rule: d.rule, reason: d.reason });
    }
    if (next.decision.kind === 'fallback') return { kind: 'fallback', reason: next.decision.reason, lastAttemptNo: attemptNo };
    store.publish();
  }
}
