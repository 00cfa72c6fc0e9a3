/**
 * A queue of tasks through a HostLoadStack: added to one FIFO queue workflow, followed until every
 * task has finished, then checked against the learning history and the server's visibility: each
 * task's runs recorded once, each host's share, the order the queue started them in.
 */
import { queueAdd } from '../client/queue';
import { queueStateLimitedQuery } from '../contracts/queue-messages';
import { queueWorkflowId, type QueueCounters } from '../contracts/queue-messages';
import { loadConfig } from '../runtime/load-config';
import { settingsFromEnv } from '../runtime/settings';
import type { HostLoadStack } from './host-load-stack';

export interface QueueProgress {
  at: number;
  finished: number;
  succeeded: number;
}

/** Adds every task of the stack to the queue `name` (FIFO); throws when one is refused. */
export async function queueAll(stack: HostLoadStack, name: string): Promise<void> {
  const settings = settingsFromEnv(stack.env);
  const config = loadConfig(stack.configPath);
  const lines: string[] = [];
  const ok = await queueAdd(stack.client, stack.db, settings, config, name, stack.tasks.files, undefined, (l) => lines.push(l));
  if (!ok) throw new Error(`the queue refused tasks:\n${lines.filter((l) => l.startsWith('refused')).join('\n')}`);
}

/** The queue's counters now, or null while the server does not answer (restarting). */
export async function queueCounters(stack: HostLoadStack, name: string): Promise<QueueCounters | null> {
  try {
    const state = await stack.client.workflow.getHandle(queueWorkflowId(name)).query(queueStateLimitedQuery, 1);
    return state.counters;
  } catch {
    return null;
  }
}

export interface RunCheck {
  tasks: number;
  /** Tasks with at least one successful run. */
  succeededTasks: number;
  /** (workflow run, attempt) pairs recorded more than once. */
  duplicateRuns: number;
  /** Task ids with more than one task workflow (started twice by the queue). */
  tasksStartedTwice: string[];
  runs: number;
  /** Runs per host. */
  hostShare: Record<string, number>;
  /** Host of each task's successful run. */
  hostOfTask: Map<string, string>;
}

export async function checkRuns(stack: HostLoadStack): Promise<RunCheck> {
  const runs = await stack.db.selectFrom('runs').select(['task_id', 'workflow_id', 'workflow_run_id', 'attempt_no', 'host', 'outcome']).execute();
  const pairs = new Map<string, number>();
  const workflowsOfTask = new Map<string, Set<string>>();
  const hostShare: Record<string, number> = {};
  const hostOfTask = new Map<string, string>();
  for (const r of runs) {
    const key = `${r.workflow_run_id}#${r.attempt_no}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
    if (!workflowsOfTask.has(r.task_id)) workflowsOfTask.set(r.task_id, new Set());
    workflowsOfTask.get(r.task_id)!.add(r.workflow_id);
    hostShare[r.host ?? '(none)'] = (hostShare[r.host ?? '(none)'] ?? 0) + 1;
    if (r.outcome === 'success') hostOfTask.set(r.task_id, r.host ?? '(none)');
  }
  return {
    tasks: stack.tasks.ids.length,
    succeededTasks: stack.tasks.ids.filter((id) => hostOfTask.has(id)).length,
    duplicateRuns: [...pairs.values()].filter((n) => n > 1).length,
    tasksStartedTwice: [...workflowsOfTask.entries()].filter(([, w]) => w.size > 1).map(([t]) => t),
    runs: runs.length,
    hostShare,
    hostOfTask,
  };
}

/** Task ids in the order their task workflows started (the server's visibility, on PostgreSQL). */
export async function startOrder(stack: HostLoadStack): Promise<string[]> {
  const started: { taskId: string; at: number }[] = [];
  // The queue starts each task as a child workflow of type queuedTaskWorkflow.
  for await (const w of stack.client.workflow.list({ query: `WorkflowType = 'queuedTaskWorkflow' AND TaskQueue = '${stack.env.KISYSTEM_TASK_QUEUE}'` })) {
    const taskId = (w.searchAttributes?.['KisystemTaskId'] as string[] | undefined)?.[0];
    if (taskId) started.push({ taskId, at: w.startTime.getTime() });
  }
  return started.sort((a, b) => a.at - b.at).map((s) => s.taskId);
}

/** Pairs of tasks started in the opposite order to the queue's (0: the queue's order kept). */
export function inversions(queueOrder: readonly string[], started: readonly string[]): number {
  const index = new Map(queueOrder.map((id, i) => [id, i]));
  const seq = started.map((id) => index.get(id) ?? -1);
  let n = 0;
  for (let i = 0; i < seq.length; i++) for (let j = i + 1; j < seq.length; j++) if (seq[i]! > seq[j]!) n++;
  return n;
}

export interface ActivityEvent {
  activity: string;
  event: 'scheduled' | 'started' | 'completed' | 'failed' | 'timed_out';
  at: number;
}

/** The activity events of a task's workflow (server time, this machine's clock), to time a move to another host. */
export async function activityEvents(stack: HostLoadStack, taskId: string): Promise<ActivityEvent[]> {
  const row = await stack.db.selectFrom('runs').select('workflow_id').where('task_id', '=', taskId).executeTakeFirst();
  if (!row) return [];
  const history = await stack.client.workflow.getHandle(row.workflow_id).fetchHistory();
  const typeOf = new Map<string, string>();
  const out: ActivityEvent[] = [];
  for (const e of history.events ?? []) {
    const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      typeOf.set(id, e.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
      out.push({ activity: typeOf.get(id)!, event: 'scheduled', at });
    }
    const ref = (a: { scheduledEventId?: unknown } | null | undefined) => typeOf.get(String(a?.scheduledEventId)) ?? '?';
    if (e.activityTaskStartedEventAttributes) out.push({ activity: ref(e.activityTaskStartedEventAttributes), event: 'started', at });
    if (e.activityTaskCompletedEventAttributes) out.push({ activity: ref(e.activityTaskCompletedEventAttributes), event: 'completed', at });
    if (e.activityTaskFailedEventAttributes) out.push({ activity: ref(e.activityTaskFailedEventAttributes), event: 'failed', at });
    if (e.activityTaskTimedOutEventAttributes) out.push({ activity: ref(e.activityTaskTimedOutEventAttributes), event: 'timed_out', at });
  }
  return out;
}

/** ms from `killedAt` until another host had claimed the candidate (the first claimHost completed after the kill). */
export function claimedAgainAfter(events: readonly ActivityEvent[], killedAt: number): number | null {
  const claim = events.find((e) => e.activity === 'claimHost' && e.event === 'completed' && e.at > killedAt);
  return claim ? claim.at - killedAt : null;
}
