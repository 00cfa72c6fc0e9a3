/**
 * `kisystem queue add|show|cancel|reprioritize|pause|resume`: the cost-aware queue workflow of a named
 * queue (`kisystem-queue-<name>`, default name `default`). `add` starts the queue when it is not
 * running (update-with-start), so the first add creates it.
 */
import { createHash } from 'node:crypto';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { storeTaskBodies } from '../db/queue-repository';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { cudaQueue, workflowUrl, type Settings } from '../runtime/settings';
import {
  addTasksUpdate,
  cancelTaskUpdate,
  CONTINUING_AS_NEW,
  pauseUpdate,
  QUEUE_NAME_PATTERN,
  MAX_ADD_BATCH,
  queueStateLimitedQuery,
  queueStateQuery,
  queueWorkflowId,
  reloadConfigUpdate,
  type QueueConfigInfo,
  type StoredQueueItem,
  reprioritizeUpdate,
  resumeUpdate,
  type QueueStateView,
  type QueueWorkflowInput,
} from '../contracts/queue-messages';
import type { queueWorkflow } from '../workflows/queue-workflow';
import { table } from './format-table';
import { statusWord } from '../contracts/task-ending';
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

/** Which config this is: the first 16 hex digits of the sha256 of the parsed config's JSON, and when and where it was loaded. */
export function configInfoOf(config: KisystemConfig, source: string, loadedAt = new Date()): QueueConfigInfo {
  return { hash: createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 16), loadedAt: loadedAt.toISOString(), source };
}

/** The refs of tasks whose bodies are stored in Postgres (the queue carries only these). */
export async function storeForQueue(db: Kysely<Database>, tasks: ResolvedTask[], priority: number | undefined): Promise<StoredQueueItem[]> {
  const ids = await storeTaskBodies(db, tasks);
  return tasks.map((t, i) => {
    const stored = { bodyId: ids[i]!, taskId: t.id, domain: t.domain, language: t.language, filePriority: t.priority ?? null };
    return priority === undefined ? { stored } : { stored, priority };
  });
}

/** Adds stored tasks in batches of MAX_ADD_BATCH; the first batch starts the queue when it is not running. */
export async function addStored(client: Client, settings: Settings, config: KisystemConfig, configInfo: QueueConfigInfo, name: string, items: StoredQueueItem[]) {
  const input: QueueWorkflowInput = { name, config, configInfo, queues: { gpu: settings.gpuQueue, cuda: cudaQueue(settings.gpuQueue) } };
  const workflowId = queueWorkflowId(name);
  const outcomes = [];
  for (let i = 0; i < items.length; i += MAX_ADD_BATCH) {
    const start = new WithStartWorkflowOperation<typeof queueWorkflow>('queueWorkflow', {
      workflowId,
      taskQueue: settings.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `kisystem queue ${name}`,
    });
    const batch = await addOnce(client, start, items.slice(i, i + MAX_ADD_BATCH));
    outcomes.push(...batch.map((o) => ({ ...o, index: o.index + i })));
  }
  return outcomes;
}

/** One add; while the queue is continuing as new it refuses adds, so the same batch goes again (a fresh start operation each time). */
async function addOnce(client: Client, start: WithStartWorkflowOperation<typeof queueWorkflow>, items: StoredQueueItem[]) {
  for (let attempt = 1; ; attempt++) {
    const operation = attempt === 1 ? start : new WithStartWorkflowOperation<typeof queueWorkflow>('queueWorkflow', start.options);
    try {
      return await client.workflow.executeUpdateWithStart(addTasksUpdate, { args: [items], startWorkflowOperation: operation });
    } catch (error) {
      const reason = refusal(error);
      // The queue writes its record and lets running updates finish first: seconds, at most minutes.
      if (!reason.message.includes(CONTINUING_AS_NEW) || attempt >= 120) throw reason;
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * attempt)));
    }
  }
}

export async function queueAdd(client: Client, db: Kysely<Database>, settings: Settings, config: KisystemConfig, name: string, files: string[], priority: number | undefined, out: Out): Promise<boolean> {
  const { tasks, refused } = loadTasks(files, out);
  if (tasks.length === 0) return false;
  const items = await storeForQueue(db, tasks, priority);
  const outcomes = await addStored(client, settings, config, configInfoOf(config, settings.configPath), name, items);
  const workflowId = queueWorkflowId(name);
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
  const pending = state.pendingCount ?? state.order.length;
  if (pending > state.order.length) lines[0] = lines[0]!.replace(`${state.order.length} pending`, `${pending} pending (first ${state.order.length} shown)`);
  lines.push(state.config ? `config ${state.config.hash} from ${state.config.source}, loaded ${state.config.loadedAt}` : 'config: as frozen at the queue\'s first start (no hash recorded; kisystem queue config --reload)');
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
    lines.push(table(['key', 'status', 'duration (s)', 'ETA (s)', 'message'], state.recent.slice(0, 10).map((f) => [f.key, statusWord(f.status), f.durationSeconds === null ? '-' : Math.round(f.durationSeconds), Math.round(f.etaSeconds), f.message.slice(0, 80)])));
  }
  return lines;
}

/** Pending tasks `queue show` lists (the query answers with the first ones only; a 10,000-task queue stays fast). */
export const SHOW_LIMIT = 50;

export async function queueShow(client: Client, name: string, json: boolean, out: Out, limit = SHOW_LIMIT): Promise<void> {
  const handle = client.workflow.getHandle(queueWorkflowId(name));
  // A v1 queue (recorded before task bodies moved to Postgres) has no limited query: it answers the whole state.
  const state = await handle.query(queueStateLimitedQuery, limit).catch(async (error: Error) => {
    if (!/queueStateLimited/.test(error.message)) throw error;
    return handle.query(queueStateQuery);
  });
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

/** `kisystem queue config --reload`: the queue takes the config the client loaded and validated now. */
export async function queueReloadConfig(client: Client, settings: Settings, config: KisystemConfig, name: string, out: Out): Promise<void> {
  const info = configInfoOf(config, settings.configPath);
  const used = await client.workflow.getHandle(queueWorkflowId(name)).executeUpdate(reloadConfigUpdate, { args: [{ config, info }] }).catch((e) => Promise.reject(refusal(e)));
  out(`queue ${name}: uses config ${used.hash} from ${used.source} (loaded ${used.loadedAt}); tasks it starts from now on get it`);
}
