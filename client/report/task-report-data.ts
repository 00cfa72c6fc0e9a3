/**
 * What the task report shows, gathered from where it lives: the workflow's input (task, config) from
 * its history's first event, its result (or its live state, or its failure) from Temporal, and every
 * run with its code from the learning history. Works on a closed workflow without any worker.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { endingOf } from '../../contracts/task-ending';
import { STATUS } from '../../contracts/search-attributes';
import { stateQuery, type TaskResult, type TaskState, type TaskWorkflowInput } from '../../contracts/task-messages';
import { runsOfWorkflow } from '../../db/runs-repository';
import type { Database } from '../../db/tables';
import { causeMessage } from '../follow';
import type { TaskReportData } from './task-report';

/** The workflow's input as the client started it (null for a workflow that loads its task itself). */
async function startInput(client: Client, workflowId: string): Promise<Partial<TaskWorkflowInput> | null> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload?.data) return null;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8')) as Partial<TaskWorkflowInput>;
  } catch {
    return null;
  }
}

export async function loadTaskReport(client: Client, db: Kysely<Database>, workflowId: string, webUiUrl: string | null): Promise<TaskReportData> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const execution = description.status.name;
  const attribute = description.typedSearchAttributes.get(STATUS) ?? null;
  const input = await startInput(client, workflowId);
  let result: TaskResult | null = null;
  let state: TaskState | null = null;
  let message: string | null = null;
  if (execution === 'COMPLETED') {
    result = (await handle.result()) as TaskResult;
    message = result.message;
  } else if (execution !== 'RUNNING') {
    message = await handle.result().then(() => null, (error: Error) => causeMessage(error));
  }
  // The live state (or a closed task's last state) answers only while a worker runs its workflows.
  if (!result) state = await client.withDeadline(Date.now() + 4000, () => handle.query(stateQuery)).catch(() => null);
  const rows = await runsOfWorkflow(db, workflowId);
  const task = input?.task ?? null;
  const start = result?.start ?? state?.start ?? null;
  return {
    workflowId,
    webUiUrl,
    execution,
    ending: execution === 'RUNNING' ? null : result ? result.status : endingOf(execution, attribute),
    liveStatus: execution === 'RUNNING' ? (state?.status ?? attribute) : null,
    message,
    task: task ? { id: task.id, title: task.title, domain: task.domain, language: task.language, goal: task.goal } : state ? { id: state.taskId, title: state.title, domain: state.domain, language: '', goal: '' } : null,
    targetScore: input?.config?.target_score ?? null,
    referenceMs: task?.benchmark?.reference_ms ?? null,
    start: start ? { rule: start.rule, summary: start.summary, chain: start.chain, startIndex: start.startIndex } : null,
    escalations: [...(result?.escalations ?? state?.escalations ?? []), ...(result?.optimization?.escalations ?? state?.optimization?.escalations ?? [])],
    runs: rows.map((r) => ({
      attemptNo: r.attempt_no, model: r.model, source: r.source, phase: r.phase, outcome: r.outcome, errorType: r.error_type, severity: r.severity,
      firstErrorLine: r.first_error_line, decision: r.decision, llmMs: r.llm_ms, buildMs: r.build_ms, testMs: r.test_ms, host: r.host,
      finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null, code: r.code,
    })),
    optimization: result?.optimization ?? state?.optimization ?? null,
    // Joined as the history stores a run's code (workflows/run-record.ts), so the diff compares like with like.
    winningCode: result?.finalCode?.length ? result.finalCode.map((f) => (result!.finalCode!.length > 1 ? `// file: ${f.path}\n${f.content}` : f.content)).join('\n') : null,
    winningModel: result?.winningModel ?? null,
    generatedAt: new Date().toISOString(),
  };
}
