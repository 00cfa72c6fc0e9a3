/**
 * Outages wait, visibly: a model server that is down (LlmUnavailable) or lacks the
 * model (ModelNotAvailable) is an infrastructure fault, never a run and never counted against the
 * model. The workflow waits durably with backoff (5 s doubling, at most 5 min), shows the wait
 * (state.waiting, status 'waiting_for_model_server', the Web UI's details line), and asks for the
 * same generation again, until `llm.outage_budget_seconds` since the outage began; then it throws
 * ModelServerUnavailable "model server at X unavailable for N s".
 */
import { ActivityFailure, ApplicationFailure, sleep } from '@temporalio/workflow';
import type { GenerateInput, GenerateResult } from '../contracts/activity-types';
import { MODEL_SERVER_FAULTS, type TaskActivities } from './task-activities';
import type { TaskStateStore } from './task-state';

const FIRST_WAIT_MS = 5_000;
const MAX_WAIT_MS = 5 * 60_000;
/** For configs frozen into tasks before the field existed. */
const DEFAULT_OUTAGE_BUDGET_S = 21_600;

/** The server details the LLM activity put in its failure (`ModelServerFaultDetails`), or null when it is not a model-server fault. */
function modelServerFaultOf(error: unknown, model: string): { server: string; error: string; hint: string | null; type: string } | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || !cause.type || !MODEL_SERVER_FAULTS.includes(cause.type)) return null;
  const details = (cause.details?.[0] ?? {}) as { server?: unknown; model?: unknown; error?: unknown; hint?: unknown };
  return {
    type: cause.type,
    server: typeof details.server === 'string' ? details.server : `the model server of ${model}`,
    error: typeof details.error === 'string' ? details.error : cause.message,
    hint: typeof details.hint === 'string' ? details.hint : null,
  };
}

export async function generateWaitingOutOutages(
  llm: TaskActivities['llm'],
  store: TaskStateStore,
  outageBudgetSeconds: number | undefined,
  input: GenerateInput,
  summary: string,
): Promise<GenerateResult> {
  const budgetMs = (outageBudgetSeconds ?? DEFAULT_OUTAGE_BUDGET_S) * 1000;
  let since: number | null = null;
  let waitMs = FIRST_WAIT_MS;
  for (let tryNo = 1; ; tryNo++) {
    try {
      const again = tryNo === 1 ? summary : `${summary} (again, after the model server's outage)`;
      const reply = await llm.generateCode.executeWithOptions({ summary: again }, [input]);
      store.modelServerBack();
      return reply;
    } catch (error) {
      const fault = modelServerFaultOf(error, input.model);
      if (!fault) throw error;
      const now = Date.now();
      since ??= now;
      const left = since + budgetMs - now;
      if (left <= 0) {
        throw ApplicationFailure.create({
          type: 'ModelServerUnavailable',
          message:
            `model server at ${fault.server} unavailable for ${Math.round((now - since) / 1000)} s (${fault.type}: ${fault.error})` +
            (fault.hint ? `; ${fault.hint}` : ''),
          nonRetryable: true,
          cause: error instanceof Error ? error : undefined,
        });
      }
      const pause = Math.min(waitMs, left);
      store.waitForModelServer({
        kind: 'model_server',
        server: fault.server,
        model: input.model,
        since: new Date(since).toISOString(),
        error: fault.error,
        hint: fault.hint,
        nextTry: new Date(now + pause).toISOString(),
      });
      await sleep(pause, { summary: `waiting for the model server at ${fault.server} (${input.model}): ${fault.error}`.slice(0, 200) });
      waitMs = Math.min(waitMs * 2, MAX_WAIT_MS);
    }
  }
}
