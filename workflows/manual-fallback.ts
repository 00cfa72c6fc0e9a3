/**
 * The manual fallback: at the end of the chain the task waits, durably and visibly,
 * for a person to hand in code (built and tested like any answer) or to give up, until the deadline.
 */
import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { TaskAttempts } from './attempt';
import { infrastructureFault } from './faults';
import { MAX_MANUAL_CODE, type ManualOutcome, type ManualSolution } from '../contracts/task-messages';
import { runOf, type RunRecorder } from './run-record';
import type { TaskStateStore } from './task-state';

/** What people sent: the update handlers put solutions and a give-up here; the fallback takes them. */
export class ManualInbox {
  private readonly solutions: { id: number; code: string; author: string }[] = [];
  private readonly outcomes = new Map<number, ManualOutcome>();
  private lastId = 0;
  giveUpReason: string | null = null;

  constructor(private readonly store: TaskStateStore) {}

  private requireWaiting(): void {
    if (this.store.status !== 'waiting_for_person') throw new Error(`the task is ${this.store.status}, not waiting for a person`);
  }

  validateSolution(solution: ManualSolution): void {
    this.requireWaiting();
    if (typeof solution?.code !== 'string' || solution.code.trim() === '') throw new Error('code must be a non-empty string');
    if (solution.code.length > MAX_MANUAL_CODE) throw new Error(`code is larger than ${MAX_MANUAL_CODE} characters`);
  }

  /** The submitSolution update: answered once the code was built and tested. */
  async submit(solution: ManualSolution): Promise<ManualOutcome> {
    const id = ++this.lastId;
    this.solutions.push({ id, code: solution.code, author: solution.author ?? 'a person' });
    let outcome: ManualOutcome | undefined;
    await condition(() => (outcome = this.outcomes.get(id)) !== undefined);
    // An update handler rejects with an ApplicationFailure (a plain Error would fail the workflow task).
    if (!outcome) throw ApplicationFailure.nonRetryable(`no outcome for solution ${id}`);
    return outcome;
  }

  validateGiveUp(): void {
    this.requireWaiting();
  }

  giveUp(reason: string): void {
    this.giveUpReason = reason || 'given up by a person';
  }

  hasWork(): boolean {
    return this.solutions.length > 0 || this.giveUpReason !== null;
  }

  take(): { id: number; code: string; author: string } | undefined {
    return this.solutions.shift();
  }

  answer(id: number, outcome: ManualOutcome): void {
    this.outcomes.set(id, outcome);
  }
}

export type ManualEnd =
  | { kind: 'passed'; files: ExtractedFile[]; author: string; attemptNo: number }
  | { kind: 'gave_up'; reason: string }
  | { kind: 'exhausted' };

export async function manualFallback(input: {
  config: KisystemConfig;
  workflowId: string;
  reason: string;
  lastAttemptNo: number;
  inbox: ManualInbox;
  attempts: TaskAttempts;
  recorder: RunRecorder;
  store: TaskStateStore;
}): Promise<ManualEnd> {
  const { inbox, store } = input;
  const deadline = Date.now() + input.config.timeouts.manual_fallback * 1000;
  store.waitForPerson({ reason: input.reason, waitingSince: new Date().toISOString(), deadline: new Date(deadline).toISOString() });
  let attemptNo = input.lastAttemptNo;
  for (;;) {
    const remaining = deadline - Date.now();
    const woke = remaining > 0 && (await condition(() => inbox.hasWork(), remaining, {
      summary: `waiting for a person: kisystem resolve ${input.workflowId} --file <code>  (or --give-up)`,
    }));
    if (!woke) return { kind: 'exhausted' };
    if (inbox.giveUpReason !== null) return { kind: 'gave_up', reason: inbox.giveUpReason };
    const solution = inbox.take();
    if (!solution) continue;
    attemptNo++;
    const outcome = await input.attempts.manual(attemptNo, solution.code).catch((e) => infrastructureFault(e, `run #${attemptNo} (manual)`));
    await input.recorder.record(runOf(outcome, 'manual'), null);
    const passed = outcome.categorization === null;
    inbox.answer(solution.id, { attemptNo, outcome: passed ? 'success' : 'failure', categorization: outcome.categorization });
    if (passed) return { kind: 'passed', files: outcome.files, author: solution.author, attemptNo };
    store.setStatus('waiting_for_person');
  }
}
