/**
 * `kisystem queue add|show|cancel|reprioritize|pause|resume`: the cost-aware queue workflow of a named
 * queue (`kisystem-queue-<name>`, default name `default`). `add` starts the queue when it is not
 * running (update-with-start), so the first add creates it.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { KisystemConfig } from '../policy/config-schema';
import { cudaQueue, workflowUrl, type Settings } from '../runtime/settings';
import {
  addTasksUpdate,
  cancelTaskUpdate,
  pauseUpdate,
  QUEUE_NAME_PATTERN,
  queueStateQuery,
  queueWorkflowId,
  reprioritizeUpdate,
  resumeUpdate,
  type QueueStateView,
  type QueueWorkflowInput,
} from '../workflows/queue-messages';
import type { queueWorkflow } from '../workflows/queue-workflow';
import { table } from './format-table';
import { loadTasks } from './tasks';

type Out = (line: string) => void;

export const DEFAULT_QUEUE = 'default';

export function checkQueueName(name: string): string {
  if (!QUEUE_NAME_PATTERN.test(name)) throw new Error(`queue name "${name}" must be lower-case letters, digits, . _ - (at most 64)`);
  return name;
}

/** The update's own reason when the workflow refused it. */
function refusal(error: unknown): Error {
  if (error instanceof WorkflowUpdateFailedError && error.cause) return new Error(error.cause.message);
  return error as Error;
}

export async function queueAdd(client: Client, settings: Settings, config: KisystemConfig, name: string, files: string[], priority: number | undefined, out: Out): Promise<boolean> {
  const { tasks, refused } = loadTasks(files, out);
  if (tasks.length === 0) return false;
  const input: QueueWorkflowInput = { name, config, queues: { gpu: settings.gpuQueue, cuda: cudaQueue(settings.gpuQueue) } };
  const workflowId = queueWorkflowId(name);
  const start = new WithStartWorkflowOperation<typeof queueWorkflow>('queueWorkflow', {
    workflowId,
    taskQueue: settings.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `kisystem queue ${name}`,
  });
  const outcomes = await client.workflow
    .executeUpdateWithStart(addTasksUpdate, { args: [tasks.map((task) => (priority === undefined ? { task } : { task, priority }))], startWorkflowOperation: start })
    .catch((e) => Promise.reject(refusal(e)));
  let bad = refused;
  for (const o of outcomes) {
    if (o.accepted) out(`${o.taskId}: queued as ${o.key}`);
    else {
      bad++;
      out(`refused: ${o.taskId ?? `item ${o.index + 1}`}: ${o.reason}`);
    }
  }
  out(`queue ${name}: ${workflowUrl(settings, workflowId)}`);
  return bad === 0;
}

export function formatQueue(state: QueueStateView): string[] {
  const lines = [
    `queue ${state.name}${state.paused ? ' (paused)' : ''}${state.ordering === 'fifo' ? ' (FIFO order)' : ''}: ${state.running.length}/${state.maxRunning} running, ${state.order.length} pending, ` +
      `${state.counters.finished} finished (${state.counters.succeeded} succeeded, ${state.counters.failed} failed, ${state.counters.cancelled} cancelled)`,
  ];
  if (state.running.length) {
    lines.push('', 'Running');
    lines.push(table(['key', 'workflow', 'model', 'ETA (s)', 'elapsed (s)'], state.running.map((r) => [r.key, r.workflowId, r.model, Math.round(r.etaSeconds), Math.round(r.elapsedSeconds)])));
  }
  if (state.order.length) {
    lines.push('', 'Order (priority_eff = priority score / ETA)');
    lines.push(
      table(
        ['#', 'key', 'domain', 'model', 'priority', 'ETA (s)', 'priority_eff'],
        state.order.map((o) => [o.position, o.key, o.domain, o.model, `${o.priorityScore.toFixed(1)} (${o.prioritySource})`, `${Math.round(o.etaSeconds)} (${o.etaReason})`, o.priorityEff.toFixed(4)]),
      ),
    );
  }
  if (state.recent.length) {
    lines.push('', 'Recent');
    lines.push(table(['key', 'status', 'duration (s)', 'ETA (s)', 'message'], state.recent.slice(0, 10).map((f) => [f.key, f.status, f.durationSeconds === null ? '-' : Math.round(f.durationSeconds), Math.round(f.etaSeconds), f.message.slice(0, 80)])));
  }
  return lines;
}

export async function queueShow(client: Client, name: string, json: boolean, out: Out): Promise<void> {
  const state = await client.workflow.getHandle(queueWorkflowId(name)).query(queueStateQuery);
  if (json) return out(JSON.stringify(state));
  for (const line of formatQueue(state)) out(line);
}

export async function queueCancel(client: Client, name: string, keyOrId: string, out: Out): Promise<void> {
  const task = await client.workflow.getHandle(queueWorkflowId(name)).executeUpdate(cancelTaskUpdate, { args: [keyOrId] }).catch((e) => Promise.reject(refusal(e)));
  out(`${task.key}: cancelled (it had not started)`);
}

export async function queueReprioritize(client: Client, name: string, keyOrId: string, priority: number, out: Out): Promise<void> {
  const task = await client.workflow.getHandle(queueWorkflowId(name)).executeUpdate(reprioritizeUpdate, { args: [keyOrId, priority] }).catch((e) => Promise.reject(refusal(e)));
  out(`${task.key}: priority ${task.priorityScore}, priority_eff ${(task.priorityScore / task.etaSeconds).toFixed(4)}`);
}

export async function queuePause(client: Client, name: string, pause: boolean, out: Out): Promise<void> {
  const handle = client.workflow.getHandle(queueWorkflowId(name));
  const paused = await handle.executeUpdate(pause ? pauseUpdate : resumeUpdate).catch((e) => Promise.reject(refusal(e)));
  out(`queue ${name}: ${paused ? 'paused (running tasks go on; nothing new starts)' : 'running'}`);
}
