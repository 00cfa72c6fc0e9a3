/** Task commands: submit, status, list, resolve, cancel. */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { loadTask } from '../runtime/load-task';
import { cudaQueue, workflowUrl, type Settings } from '../runtime/settings';
import { giveUpUpdate, stateQuery, submitSolutionUpdate, type TaskResult, type TaskWorkflowInput } from '../contracts/task-messages';
import { CURRENT_MODEL, DOMAIN, ESCALATIONS, STATUS, TASK_ID } from '../contracts/search-attributes';
import type { taskWorkflow } from '../workflows/task-workflow';
import { escapeMarkdown } from '../workflows/details';
import { endingOf, statusWord, type TaskEnding } from '../contracts/task-ending';
import { causeMessage, describeRun, describeWaiting, isConnectionError, noting, OutageNotice } from './follow';
import { optimizationLines } from './optimization-lines';

export interface Submitted {
  task: ResolvedTask;
  workflowId: string;
  url: string;
}

/** Loads every task file; bad ones are reported and left out, the good ones are returned. */
export function loadTasks(paths: string[], log: (line: string) => void): { tasks: ResolvedTask[]; refused: number } {
  const tasks: ResolvedTask[] = [];
  let refused = 0;
  for (const path of paths) {
    try {
      tasks.push(loadTask(path, log));
    } catch (error) {
      refused++;
      log(`refused: ${(error as Error).message}`);
    }
  }
  return { tasks, refused };
}

function newWorkflowId(taskId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `${taskId}-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export async function submitTask(client: Client, settings: Settings, config: KisystemConfig, task: ResolvedTask, workflowId = newWorkflowId(task.id)): Promise<Submitted> {
  const input: TaskWorkflowInput = { task, config, queues: { gpu: settings.gpuQueue, cuda: cudaQueue(settings.gpuQueue) } };
  await client.workflow.start<typeof taskWorkflow>('taskWorkflow', {
    taskQueue: settings.taskQueue,
    workflowId,
    args: [input],
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [
      { key: TASK_ID, value: task.id },
      { key: DOMAIN, value: task.domain },
    ],
    // Both are Markdown in the Web UI: the task's own text is shown literally ("[outage]" is no link).
    staticSummary: `${escapeMarkdown(task.title)} (${task.domain}, ${task.language})`,
    staticDetails: [
      `**Task** \`${task.id}\` from \`${task.sourcePath}\``,
      `**Domain:** ${task.domain} (${task.domainReason}) · **Language:** ${task.language} · **Writes:** \`${task.solution_file}\``,
      '',
      ...task.goal.trim().split('\n').map(escapeMarkdown),
    ].join('\n'),
  });
  return { task, workflowId, url: workflowUrl(settings, workflowId) };
}

/**
 * Prints a task's state. A Temporal server that does not answer (restarting) is waited for up to
 * `patienceMs`, with a note, instead of reporting an error about a task that goes on.
 */
export async function printStatus(client: Client, settings: Settings, workflowId: string, log: (line: string) => void, patienceMs = 120_000): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const outage = new OutageNotice(settings.temporalAddress, log);
  const deadline = Date.now() + patienceMs;
  let description: Awaited<ReturnType<typeof handle.describe>>;
  for (;;) {
    try {
      description = await noting(outage, () => handle.describe());
      outage.answered();
      break;
    } catch (error) {
      if (!isConnectionError(error) || Date.now() > deadline) throw error;
      outage.lost(error);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const execution = description.status.name;
  if (execution === 'RUNNING') {
    log(`${workflowId}: RUNNING (${workflowUrl(settings, workflowId)})`);
    // The state query answers once the start decision is made (a second or so after the start).
    const state = await handle.query(stateQuery).catch(() => null);
    if (!state) {
      log('the task is starting: the Meta-Supervisor is choosing its first model');
      return;
    }
    log(`task ${state.taskId} [${state.domain}] status ${state.status}${state.step ? ` (${state.step})` : ''}, model ${state.currentModel}, chain ${state.chain.join(' -> ')}`);
    if (state.verdictSource) log(`  verdicts: ${state.verdictSource === 'checker' ? "the task's trusted checker" : 'SELF-REPORTED by the answer (no checker: forgeable, left out of the learning unless learning.include_self_reported)'}`);
    const w = state.waiting;
    if (w) log(`  ${describeWaiting(w)}; next try ${w.nextTry}`);
    for (const run of state.runs) log(`  ${describeRun(run)}`);
    if (state.optimization) for (const line of optimizationLines(state.optimization)) log(line);
    if (state.fallback) log(`  waiting for a person since ${state.fallback.waitingSince}: ${state.fallback.reason}`);
    return;
  }
  // Closed: the ending's word first (docs/endings.md), Temporal's own status name beside it.
  const outcome: TaskResult | Error = execution === 'COMPLETED' ? await handle.result() : await handle.result().then(() => new Error(execution), (e: Error) => e);
  const ending = execution === 'COMPLETED' ? endingOfResult(outcome) : endingOf(execution, description.typedSearchAttributes.get(STATUS));
  const word = ending ? statusWord(ending) : execution.toLowerCase();
  log(`${workflowId}: ${word} (workflow ${execution}) (${workflowUrl(settings, workflowId)})`);
  if (outcome instanceof Error) {
    log(`result: ${word} - ${causeMessage(outcome)}`);
    return;
  }
  log(`result: ${word} - ${outcome.message}`);
  log(`escalation path: ${outcome.escalationPath.join(' -> ')}`);
  for (const run of outcome.runs) log(`  ${describeRun(run)}`);
  if (outcome.optimization) for (const line of optimizationLines(outcome.optimization)) log(line);
  for (const file of outcome.finalCode ?? []) log(`--- ${file.path}\n${file.content}`);
  log(`report with plots: kisystem report ${workflowId}`);
}

function endingOfResult(outcome: TaskResult | Error): TaskEnding | null {
  return outcome instanceof Error ? null : outcome.status;
}

/** A task's status in the list: the ending's word when it is closed, else what it does now ("waiting for model server"). */
export function listStatus(execution: string, kisystemStatus: string | undefined): string {
  if (execution === 'RUNNING') return kisystemStatus ? statusWord(kisystemStatus) : 'starting';
  const ending = endingOf(execution, kisystemStatus);
  return ending ? statusWord(ending) : execution.toLowerCase();
}

export async function listTasks(client: Client, settings: Settings, query: string | undefined, log: (line: string) => void): Promise<void> {
  const filter = `WorkflowType IN ('taskWorkflow', 'queuedTaskWorkflow')${query ? ` AND (${query})` : ''}`;
  let count = 0;
  for await (const wf of client.workflow.list({ query: filter })) {
    const attrs = wf.typedSearchAttributes;
    const domain = attrs.get(DOMAIN) ?? '';
    const model = attrs.get(CURRENT_MODEL) ?? '';
    log(`${wf.workflowId.padEnd(44)} ${listStatus(wf.status.name, attrs.get(STATUS)).padEnd(24)} ${domain.padEnd(12)} ${model.padEnd(22)} escalations ${attrs.get(ESCALATIONS) ?? 0}`);
    if (++count >= 100) break;
  }
  if (count === 0) log(`no task workflows${query ? ` match ${query}` : ''} (namespace ${settings.namespace})`);
}

export async function resolveTask(client: Client, workflowId: string, action: { code: string; author?: string } | { giveUp: string }, log: (line: string) => void): Promise<boolean> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return await sendResolution(handle, workflowId, action, log);
  } catch (error) {
    // An update refused by the workflow's validator carries the reason in its cause.
    const cause = (error as Error & { cause?: Error }).cause;
    throw new Error(`${workflowId}: ${cause?.message ?? (error as Error).message}`);
  }
}

async function sendResolution(handle: WorkflowHandle, workflowId: string, action: { code: string; author?: string } | { giveUp: string }, log: (line: string) => void): Promise<boolean> {
  if ('giveUp' in action) {
    await handle.executeUpdate(giveUpUpdate, { args: [action.giveUp] });
    log(`${workflowId}: given up`);
    return true;
  }
  log(`${workflowId}: handing in code; building and testing it ...`);
  const outcome = await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: action.code, author: action.author }] });
  if (outcome.outcome === 'success') log(`run #${outcome.attemptNo}: passed; the task is done`);
  else log(`run #${outcome.attemptNo}: failed in ${outcome.categorization?.phase}: ${outcome.categorization?.errorType} - ${outcome.categorization?.firstErrorLine}; the task still waits`);
  return outcome.outcome === 'success';
}
