/**
 * The v2 queue's messages (issue 13): task bodies stored in Postgres and referred to by key, the
 * packed carry of continue-as-new, the config a queue uses, and the v2 activities' answers.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { FinishedTask, QueueCounters, QueueStateView, QueueTaskEnd, QueueTaskRow, RunningTask } from './queue-messages';

/** Where a task body is stored: `queue_task_bodies.body_id` (content address, see `bodyIdOf`). */
export interface StoredTaskRef {
  bodyId: string;
  taskId: string;
  domain: string;
  language: 'cuda' | 'cpp';
  /** The task file's own priority (0..100), when it has one. */
  filePriority?: number | null;
}

/** One task to add whose body the client stored first (`kisystem queue add`): only the ref travels. */
export interface StoredQueueItem {
  stored: StoredTaskRef;
  priority?: number;
}

/** Which config a queue uses: the client's hash of the parsed config and when it was loaded. */
export interface QueueConfigInfo {
  /** sha256 (hex, first 16) of the parsed config's JSON. */
  hash: string;
  loadedAt: string;
  /** The file it came from, for `queue show`. */
  source: string;
}

/** What `reloadConfig` hands the queue: a config loaded and validated by the client. */
export interface QueueConfigReload {
  config: KisystemConfig;
  info: QueueConfigInfo;
}

/** A pending task of a v2 queue: keys and the order's inputs, never the body. */
export interface PendingRef {
  key: string;
  seq: number;
  taskId: string;
  bodyId: string;
  domain: string;
  /** Start model at add time (the ETA's model). */
  model: string;
  ownPriority: number | null;
  filePriority: number | null;
  addedAt: string;
}

/** A pending task as continue-as-new carries it: [taskId, seq, bodyId, domain#, model#, own, file, addedAt ms]. */
export type PackedPending = [string, number, string, number, number, number | null, number | null, number];

/** The ETA of one (model, domain) pair, as `estimateEta` gave it. */
export interface PairEta {
  seconds: number;
  source: 'table' | 'history';
  reason: string;
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

export function pairKey(model: string, domain: string): string {
  return `${model}|${domain}`;
}

/** The estimate activity's answer for a batch of stored tasks (durations per pair, not per task). */
export interface StoredEstimates {
  startModels: { key: string; startModel: string }[];
  domainPriority: Record<string, number | null>;
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

/** The refusal of an add while the queue continues as new: the client sends the same batch again. */
export const CONTINUING_AS_NEW = 'the queue is continuing as new: send the tasks again in a moment';

/** Tells the queue to use this config from now on (and for the tasks it starts next). */
export const reloadConfigUpdate = defineUpdate<QueueConfigInfo, [QueueConfigReload]>('reloadConfig');
/** The live state with at most `limit` pending tasks in `order` (`pendingCount` has them all). */
export const queueStateLimitedQuery = defineQuery<QueueStateView, [number]>('queueStateLimited');
