/**
 * The v2 queue's building blocks that need nothing of the queue's own records: task bodies stored in
 * Postgres and referred to by key, the packed pending tasks of continue-as-new, the config a queue
 * uses, and the estimate activity's answer. queue-messages.ts builds on these and re-exports them.
 */
import { defineUpdate } from '@temporalio/workflow';
import type { KisystemConfig } from '../policy/schemas/config-schema';

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

export function pairKey(model: string, domain: string): string {
  return `${model}|${domain}`;
}

/** The estimate activity's answer for a batch of stored tasks (durations per pair, not per task). */
export interface StoredEstimates {
  startModels: { key: string; startModel: string }[];
  domainPriority: Record<string, number | null>;
  durations: Record<string, number[]>;
}

/** The refusal of an add while the queue continues as new: the client sends the same batch again. */
export const CONTINUING_AS_NEW = 'the queue is continuing as new: send the tasks again in a moment';

/** Tells the queue to use this config from now on (and for the tasks it starts next). */
export const reloadConfigUpdate = defineUpdate<QueueConfigInfo, [QueueConfigReload]>('reloadConfig');
