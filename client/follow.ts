/** Following tasks live: each new run and escalation is printed as it happens. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { stateQuery, type RunSummary, type TaskResult, type TaskState } from '../workflows/messages';

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
  return `#${run.attemptNo} ${run.model}: ${result.slice(0, 160)}${then}`;
}

async function queryState(handle: WorkflowHandle): Promise<TaskState | null> {
  try {
    return await handle.query(stateQuery);
  } catch {
    return null; // not started yet, or closed with no worker to answer
  }
}

/** Prints runs of several tasks as they come, until every workflow is closed; returns their results. */
export async function followTasks(
  client: Client,
  workflowIds: string[],
  log: (line: string) => void,
  pollMs = 1000,
): Promise<Map<string, TaskResult | Error>> {
  const seen = new Map<string, number>();
  const waiting = new Map<string, string>();
  const results = new Map<string, TaskResult | Error>();
  const pending = new Set(workflowIds);
  for (const id of workflowIds) {
    client.workflow
      .getHandle(id)
      .result()
      .then((r: TaskResult) => results.set(id, r), (e: Error) => results.set(id, e));
  }
  while (pending.size > 0) {
    for (const id of [...pending]) {
      const handle = client.workflow.getHandle(id);
      const state = await queryState(handle);
      if (state) {
        for (const run of state.runs.slice(seen.get(id) ?? 0)) log(`${state.taskId}  ${describeRun(run)}`);
        seen.set(id, state.runs.length);
        if (state.status === 'waiting_for_person' && waiting.get(id) !== state.status) {
          log(`${state.taskId}  waiting for a person: kisystem resolve ${id} --file <code>  (or --give-up)`);
        }
        waiting.set(id, state.status);
      }
      if (results.has(id)) {
        pending.delete(id);
        const r = results.get(id)!;
        log(r instanceof Error ? `${id}  FAILED: ${causeMessage(r)}` : `${r.taskId}  ${r.status.toUpperCase()}: ${r.message}`);
      }
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, pollMs));
  }
  return results;
}

/** The reason a workflow failed: the workflow's own failure message (it names the inner cause). */
export function causeMessage(error: Error): string {
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error && cause.message ? cause.message : error.message;
}
