/**
 * The cost-aware queue workflow's messages (guide section 5): updates to add, cancel and
 * reprioritize tasks and to pause and resume; the query of its live state; and the signal a task
 * workflow started by the queue sends when it ends (to the queue's LATEST run, so that it survives
 * the queue's continue-as-new).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { TaskQueues } from './task-messages';
import type { PackedPending, QueueConfigInfo, StoredQueueItem } from './queue-v2-messages';

/** The queue workflow of a named queue. */
export function queueWorkflowId(name: string): string {
  return `kisystem-queue-${name}`;
}

export const QUEUE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/**
 * Most tasks a v2 queue holds pending: continue-as-new carries about 85 bytes a pending task and a
 * payload may not pass 2 MB (10,000 pending: about 830 KB, measured by scripts/load-queue-10k.ts).
 */
export const MAX_PENDING = 20_000;
/** Most tasks one `addTasks` update may carry. */
export const MAX_ADD_BATCH = 500;

/** One task to add: the resolved task file and, optionally, a priority (0..100) that wins over the file's. */
export interface QueueItemInput {
  task: ResolvedTask;
  priority?: number;
}

export interface AddOutcome {
  /** Position in the update's list. */
  index: number;
  taskId: string | null;
  accepted: boolean;
  /** The queue's key of an accepted task (cancel and reprioritize take it, or the task id). */
  key?: string;
  /** Why a task was refused. */
  reason?: string;
}

/** What the queue activity is asked about one task. */
export interface QueueEstimateRequest {
  key: string;
  taskId: string;
  domain: string;
  language: 'cuda' | 'cpp';
  /** title, goal and interface files, as the task workflow feeds `taskComplexity`. */
  text: string;
}

/** What the queue activity answers for one task (the ETA itself is computed in the workflow, `estimateEta`). */
export interface QueueEstimate {
  key: string;
  /** The start model the hybrid decision would pick now. */
  startModel: string;
  startSummary: string;
  /** P(domain) from the Meta-Supervisor (0..1), null without history of the domain. */
  domainPriority: number | null;
  /** The last <= 50 real task durations (seconds) of (start model, domain), newest first. */
  durationsSeconds: number[];
}

export interface PendingTask {
  key: string;
  seq: number;
  task: ResolvedTask;
  /** The priority given when the task was added or reprioritized (wins over the task file's). */
  ownPriority: number | null;
  priorityScore: number;
  prioritySource: 'task' | 'meta-supervisor' | 'default';
  model: string;
  etaSeconds: number;
  etaSource: 'table' | 'history';
  etaReason: string;
  addedAt: string;
}

export interface RunningTask {
  key: string;
  taskId: string;
  workflowId: string;
  model: string;
  priorityScore: number;
  etaSeconds: number;
  addedAt: string;
  startedAt: string;
}

export type QueueTaskEnd = 'succeeded' | 'exhausted' | 'gave_up' | 'failed' | 'cancelled';

export interface FinishedTask {
  key: string;
  taskId: string;
  workflowId: string | null;
  status: QueueTaskEnd;
  message: string;
  addedAt: string;
  startedAt: string | null;
  finishedAt: string;
  etaSeconds: number;
  /** startedAt -> finishedAt (null for a task cancelled before it started). */
  durationSeconds: number | null;
}

export interface QueueCounters {
  added: number;
  refused: number;
  started: number;
  finished: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  continuedAsNew: number;
}

/** One `queue_tasks` row, as `recordQueueEvents` upserts it by (queue, key). */
export interface QueueTaskRow {
  queue: string;
  key: string;
  taskId: string;
  workflowId: string | null;
  priorityScore: number;
  etaSeconds: number;
  addedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  status: 'pending' | 'running' | QueueTaskEnd;
}

/** What a queue run hands to the next one at continue-as-new. */
export interface QueueCarry {
  /** Part of every child workflow id, fixed at the queue's first start (child ids stay unique across restarts of the queue). */
  epoch: string;
  seq: number;
  paused: boolean;
  pending: PendingTask[];
  running: RunningTask[];
  recent: FinishedTask[];
  counters: QueueCounters;
  /** queue_tasks rows not yet written. */
  outbox: QueueTaskRow[];
  lastRefreshAt: string | null;
}

/** What a v2 queue run hands to the next one at continue-as-new (no task bodies). */
export interface QueueCarryV2 {
  version: 2;
  epoch: string;
  seq: number;
  paused: boolean;
  /** Dictionaries of the packed pending tasks' domains and models. */
  domains: string[];
  models: string[];
  pending: PackedPending[];
  running: RunningTask[];
  recent: FinishedTask[];
  counters: QueueCounters;
  outbox: QueueTaskRow[];
  lastRefreshAt: string | null;
  /** P(domain) per domain (null: no history). */
  domainPriority: Record<string, number | null>;
  /** Real durations (seconds, newest first) per `pairKey(model, domain)`. */
  durations: Record<string, number[]>;
}

/** How a child the queue thinks is running stands, as the server describes it. */
export interface ChildStanding {
  workflowId: string;
  running: boolean;
  /** For a closed child: how it ended, in the queue's words. */
  status?: QueueTaskEnd;
  message?: string;
}

/** How a queue picks its next task. */
export type QueueOrdering = 'cost-aware' | 'fifo';

export interface QueueWorkflowInput {
  name: string;
  /** Frozen into each task the queue starts. */
  config: KisystemConfig;
  queues: TaskQueues;
  /** Overrides of `config.queue` (tests use small values). */
  maxRunning?: number;
  maxHistoryEvents?: number;
  priorityRefreshSeconds?: number;
  recentResults?: number;
  /** Override of `config.queue.ordering`: `fifo` starts tasks in arrival order (for comparisons). */
  ordering?: QueueOrdering;
  /** Set by continue-as-new only (a v1 carry holds task bodies; a v2 run stores them and drops them). */
  carry?: QueueCarry | QueueCarryV2;
  /** v2: continue as new past this history size in bytes (default 2 MiB; tests use less). */
  maxHistoryBytes?: number;
  /** Which config `config` is (set by the client; `queue show` prints it). */
  configInfo?: QueueConfigInfo;
}

export interface QueueOrderEntry {
  position: number;
  key: string;
  taskId: string;
  domain: string;
  model: string;
  priorityScore: number;
  prioritySource: PendingTask['prioritySource'];
  etaSeconds: number;
  etaSource: PendingTask['etaSource'];
  etaReason: string;
  priorityEff: number;
  addedAt: string;
}

export interface QueueStateView {
  name: string;
  paused: boolean;
  maxRunning: number;
  /** How the queue picks its next task (`order` is in that order). */
  ordering: QueueOrdering;
  order: QueueOrderEntry[];
  running: (RunningTask & { elapsedSeconds: number })[];
  recent: FinishedTask[];
  counters: QueueCounters;
  historyLength: number;
  /** v2: every pending task (`order` may be cut to the query's limit). */
  pendingCount?: number;
  /** v2: the history's size in bytes. */
  historySize?: number;
  /** v2: which config the queue uses. */
  config?: QueueConfigInfo | null;
}

/** Sent by a task workflow started by the queue when it ends, whatever the way. */
export interface TaskFinishedNotice {
  key: string;
  workflowId: string;
  status: QueueTaskEnd;
  message: string;
}

export const addTasksUpdate = defineUpdate<AddOutcome[], [(QueueItemInput | StoredQueueItem)[]]>('addTasks');
/** Cancels a pending task (by key or task id); a running one is refused: cancel its workflow, the queue hears of it. */
export const cancelTaskUpdate = defineUpdate<PendingTask, [string]>('cancelTask');
export const reprioritizeUpdate = defineUpdate<PendingTask, [string, number]>('reprioritize');
/** Pausing stops new starts; running tasks go on. Both answer whether the queue is paused now. */
export const pauseUpdate = defineUpdate<boolean, []>('pause');
export const resumeUpdate = defineUpdate<boolean, []>('resume');
export const queueStateQuery = defineQuery<QueueStateView>('queueState');
export const taskFinishedSignal = defineSignal<[TaskFinishedNotice]>('taskFinished');
/** The live state with at most `limit` pending tasks in `order` (`pendingCount` has them all). */
export const queueStateLimitedQuery = defineQuery<QueueStateView, [number]>('queueStateLimited');

// The v2 building blocks, re-exported: consumers import every queue message from this one file.
export * from './queue-v2-messages';
