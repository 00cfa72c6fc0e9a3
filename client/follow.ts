/** Following tasks live: each new run and escalation is printed as it happens. */
import { CancelledFailure, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { statusWord, type TaskEnding } from '../contracts/task-ending';
import { stateQuery, type ModelServerWait, type RunSummary, type TaskResult, type TaskState } from '../contracts/task-messages';

export function describeRun(run: RunSummary): string {
  const c = run.categorization;
  const result = run.outcome === 'success' ? 'passed' : `failed in ${c?.phase ?? run.phase}: ${c?.errorType} sev ${c?.severity} - ${c?.firstErrorLine ?? ''}`;
  const then = run.decision
    ? run.decision.kind === 'escalate'
      ? `  => escalate to ${run.decision.to} (${run.decision.rule})`
      : run.decision.kind === 'fallback'
        ? `  => manual fallback (${run.decision.rule})`
        : '  => retry'
    : '';
  // A verdict the answer printed itself can be forged: said on every run of such a task.
  const source = run.verdictSource === 'self-reported' ? '  [verdict self-reported]' : '';
  // The first error line is whole (the categorizer keeps it within its limit, "expected ..." included).
  return `#${run.attemptNo} ${run.model}: ${result}${then}${source}`;
}

/** The task's state, or null: not started yet, no worker to answer (a query waits for one), or no server. */
async function queryState(client: Client, handle: WorkflowHandle, timeoutMs = 4000): Promise<TaskState | null> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, () => handle.query(stateQuery));
  } catch {
    return null;
  }
}

/** The line shown while a task waits for the model server (state.waiting). */
export function describeWaiting(waiting: ModelServerWait): string {
  return `waiting for the model server at ${waiting.server} since ${waiting.since}: ${waiting.error}${waiting.hint ? ` (${waiting.hint})` : ''}`;
}

/**
 * Whether an error means "the Temporal server did not answer" (restarting, unreachable) rather
 * than an answer about the workflow: gRPC UNAVAILABLE (14), DEADLINE_EXCEEDED (4), a refused or
 * reset connection, anywhere in the cause chain.
 */
export function isConnectionError(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) {
    if (e.code === 14 || e.code === 4) return true;
    if (typeof e.message === 'string' && /\b(UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|ECONNRESET|EPIPE|Connection dropped|No connection established|Failed to connect)\b/i.test(e.message)) return true;
  }
  return false;
}

/** Says once when the Temporal server stops answering and once when it answers again. */
export class OutageNotice {
  private since: number | null = null;
  constructor(
    private readonly address: string,
    private readonly log: (line: string) => void,
  ) {}
  lost(error: unknown): void {
    if (this.since !== null) return;
    this.since = Date.now();
    this.log(`lost the Temporal server at ${this.address} (${String((error as Error)?.message ?? error).split('\n')[0]}); the tasks go on in Temporal; reconnecting ...`);
  }
  answered(): void {
    if (this.since === null) return;
    this.log(`reconnected to the Temporal server at ${this.address} after ${Math.round((Date.now() - this.since) / 1000)} s; following again`);
    this.since = null;
  }
}

/**
 * Runs one call to the Temporal server; a call that has no answer after `slowMs` (the client SDK
 * retries quietly while the server restarts) is noted as an outage, so a waiting user sees why.
 */
export async function noting<T>(outage: OutageNotice, call: () => Promise<T>, slowMs = 5000): Promise<T> {
  const slow = setTimeout(() => outage.lost(new Error(`no answer for ${slowMs / 1000} s`)), slowMs);
  try {
    return await call();
  } finally {
    clearTimeout(slow);
  }
}

/**
 * Prints runs of several tasks as they come, until every workflow is closed; returns their results.
 * Rides out a restart of the Temporal server: a task is reported failed only when Temporal says so.
 */
export async function followTasks(
  client: Client,
  workflowIds: string[],
  log: (line: string) => void,
  pollMs = 1000,
  address = 'the configured address',
): Promise<Map<string, TaskResult | Error>> {
  const seen = new Map<string, number>();
  const shown = new Map<string, string>();
  const results = new Map<string, TaskResult | Error>();
  const pending = new Set(workflowIds);
  const outage = new OutageNotice(address, log);
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const handle = client.workflow.getHandle(id);
      let closed: boolean;
      try {
        closed = (await noting(outage, () => handle.describe())).status.name !== 'RUNNING';
        outage.answered();
      } catch (error) {
        if (isConnectionError(error)) {
          outage.lost(error);
          break;
        }
        results.set(id, error as Error); // not found, or no access: nothing to follow
        log(`${id}  cannot follow: ${(error as Error).message}`);
        pending.delete(id);
        continue;
      }
      const state = await queryState(client, handle);
      if (state) {
        for (const run of state.runs.slice(seen.get(id) ?? 0)) log(`${state.taskId}  ${describeRun(run)}`);
        seen.set(id, state.runs.length);
        const now = state.waiting ? describeWaiting(state.waiting) : state.status === 'waiting_for_person' ? `waiting for a person: kisystem resolve ${id} --file <code>  (or --give-up)` : '';
        if (now && shown.get(id) !== now) log(`${state.taskId}  ${now}`);
        if (!now && shown.get(id)?.startsWith('waiting for the model server')) log(`${state.taskId}  the model server answers again`);
        shown.set(id, now);
      }
      if (!closed) continue;
      try {
        const r: TaskResult = await noting(outage, () => handle.result());
        results.set(id, r);
        log(`${r.taskId}  ${statusWord(r.status).toUpperCase()}: ${r.message}`);
      } catch (error) {
        if (isConnectionError(error) && !(error instanceof WorkflowFailedError)) {
          outage.lost(error);
          break;
        }
        results.set(id, error as Error);
        log(`${id}  ${statusWord(endingOf(error as Error)).toUpperCase()}: ${causeMessage(error as Error)}`);
      }
      pending.delete(id);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  return results;
}

/**
 * How a followed task ended: its result's status, or for a workflow that did not complete,
 * cancelled (`kisystem cancel`) or failed (an infrastructure fault, terminated, timed out, not found).
 */
export function endingOf(outcome: TaskResult | Error): TaskEnding {
  if (!(outcome instanceof Error)) return outcome.status;
  return outcome instanceof WorkflowFailedError && outcome.cause instanceof CancelledFailure ? 'cancelled' : 'failed';
}

/** The reason a workflow failed: the workflow's own failure message (it names the inner cause). */
export function causeMessage(error: Error): string {
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? cause.message : error.message;
}
