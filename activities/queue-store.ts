/**
 * The v2 queue's activities: task bodies in Postgres (`queue_task_bodies`), estimates for a
 * batch of stored tasks (start model per task; P(domain) per domain and real durations per (model,
 * domain) pair, so the answer stays small), the refresh of those per-domain and per-pair figures, and
 * the standing of the children a queue thinks are running (the reconcile after continue-as-new).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { domainAggregates, latestSubmissionFailuresOf, learnedRunTimes, modelAggregates } from '../db/meta-repository';
import { loadTaskBodies, storeTaskBodies } from '../db/queue-repository';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { taskComplexityText } from '../policy/rules/complexity';
import { isDomain } from '../policy/rules/domains';
import { startSnapshotOf, decideTaskStart } from '../policy/rules/start-rule';
import { explainPriority, recommendModelBias } from '../policy/rules/meta-supervisor';
import { chainForDomain } from '../policy/rules/routing';
import type { ErrorType } from '../policy/run-types';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { pairKey, type ChildStanding, type QueueTaskEnd, type StoredEstimates } from '../contracts/queue-messages';
import { taskDurations } from './queue';

export interface EstimateQueuedTasksInput {
  config: KisystemConfig;
  tasks: { key: string; bodyId: string; taskId: string; domain: string }[];
}

export interface QueueRefreshInput {
  config: KisystemConfig;
  domains: string[];
  /** [model, domain] pairs of the pending tasks. */
  pairs: [string, string][];
}

/** Fails at once (no retry can make an unknown domain known). */
export function checkDomain(domain: string): void {
  if (!isDomain(domain)) throw ApplicationFailure.nonRetryable(`unknown domain ${JSON.stringify(domain)}`, 'UnknownDomain');
}

export function createQueueStoreActivities(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function domainPriorities(config: KisystemConfig, domains: string[]): Promise<Record<string, number | null>> {
    const aggregates = await domainAggregates(db);
    const now = new Date();
    const settings = { meta_supervisor: config.meta_supervisor, meta_supervisor_weights: config.meta_supervisor_weights };
    const out: Record<string, number | null> = {};
    for (const d of domains) {
      const agg = aggregates.find((a) => a.domain === d);
      out[d] = agg ? explainPriority(agg, now, settings).priority_score : null;
    }
    return out;
  }

  async function pairDurations(pairs: [string, string][]): Promise<Record<string, number[]>> {
    const out: Record<string, number[]> = {};
    for (const [model, domain] of pairs) {
      const k = pairKey(model, domain);
      if (!(k in out)) out[k] = await taskDurations(db, model, domain);
    }
    return out;
  }

  /** Stores resolved tasks (a queue's inline adds, a v1 queue's carried bodies); returns their body ids. */
  async function storeQueueTasks(tasks: ResolvedTask[]): Promise<string[]> {
    return storeTaskBodies(db, tasks);
  }

  /** The body a task started by the queue runs (a missing body fails at once: nothing can bring it back). */
  async function loadQueuedTask(input: { bodyId: string }): Promise<ResolvedTask> {
    const body = (await loadTaskBodies<ResolvedTask>(db, [input.bodyId])).get(input.bodyId);
    if (!body) throw ApplicationFailure.nonRetryable(`no stored task body ${input.bodyId} (queue_task_bodies)`, 'QueuedTaskMissing');
    return body;
  }

  async function estimateQueuedTasks(input: EstimateQueuedTasksInput): Promise<StoredEstimates> {
    const { config } = input;
    for (const t of input.tasks) checkDomain(t.domain);
    const bodies = await loadTaskBodies<ResolvedTask>(db, input.tasks.map((t) => t.bodyId));
    const domains = [...new Set(input.tasks.map((t) => t.domain))];
    const now = new Date();
    const evidenceByDomain = new Map<string, { bias: ReturnType<typeof recommendModelBias>[string] | null; models: Awaited<ReturnType<typeof modelAggregates>>; runTimes: Awaited<ReturnType<typeof learnedRunTimes>> }>();
    for (const d of domains) {
      const chain = chainForDomain(config, d as never).models;
      const models = await modelAggregates(db, now, config.meta_supervisor.aging_days, d);
      const runTimes = await learnedRunTimes(db, d, chain);
      evidenceByDomain.set(d, { bias: recommendModelBias(models, { [d]: chain }, config.meta_supervisor)[d] ?? null, models, runTimes });
    }
    // The same failure state a task's own start reads: its latest submission, model phase only.
    const failuresOf = await latestSubmissionFailuresOf(db, input.tasks.map((t) => t.taskId));
    const startModels = input.tasks.map((t) => {
      const body = bodies.get(t.bodyId);
      if (!body) throw ApplicationFailure.nonRetryable(`no stored task body ${t.bodyId} for ${t.taskId} (queue_task_bodies)`, 'QueuedTaskMissing');
      const f = failuresOf.get(t.taskId);
      const evidence = evidenceByDomain.get(t.domain) ?? { bias: null };
      // The start rule the task itself will use; no draws: the posterior medians stand in for the task's luck.
      const start = decideTaskStart(
        startSnapshotOf(t.domain, chainForDomain(config, t.domain as never).models, evidence, taskComplexityText(body), {
          failures: f?.failures ?? 0,
          lastErrorType: (f?.lastErrorType as ErrorType | null) ?? null,
        }),
        config,
        [],
      );
      return { key: t.key, startModel: start.model };
    });
    const pairs = [...new Map(startModels.map((s, i) => [pairKey(s.startModel, input.tasks[i]!.domain), [s.startModel, input.tasks[i]!.domain] as [string, string]])).values()];
    return { startModels, domainPriority: await domainPriorities(config, domains), durations: await pairDurations(pairs) };
  }

  /** Fresh P(domain) and real durations for the pending tasks' domains and (model, domain) pairs. */
  async function queueRefresh(input: QueueRefreshInput): Promise<Pick<StoredEstimates, 'domainPriority' | 'durations'>> {
    for (const d of input.domains) checkDomain(d);
    return { domainPriority: await domainPriorities(input.config, input.domains), durations: await pairDurations(input.pairs) };
  }

  return { storeQueueTasks, loadQueuedTask, estimateQueuedTasks, queueRefresh };
}

const CLOSED: Record<string, QueueTaskEnd> = { FAILED: 'failed', CANCELLED: 'cancelled', TERMINATED: 'failed', TIMED_OUT: 'failed', CONTINUED_AS_NEW: 'failed' };

/** Needs no database: the worker's own client asks the server. */
export function createQueueChildActivities() {
  /** How each child stands; a closed one with how it ended (a completed one with its result's status). */
  async function describeQueueChildren(workflowIds: string[]): Promise<ChildStanding[]> {
    const client = Context.current().client;
    const out: ChildStanding[] = [];
    for (const workflowId of workflowIds) {
      const handle = client.workflow.getHandle(workflowId);
      try {
        const d = await handle.describe();
        if (d.status.name === 'RUNNING') out.push({ workflowId, running: true });
        else if (d.status.name === 'COMPLETED') {
          const result = (await handle.result()) as { status: QueueTaskEnd; message?: string };
          out.push({ workflowId, running: false, status: result.status, message: result.message ?? 'completed' });
        } else out.push({ workflowId, running: false, status: CLOSED[d.status.name] ?? 'failed', message: `the task workflow ended ${d.status.name.toLowerCase()}` });
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
        out.push({ workflowId, running: false, status: 'failed', message: 'the task workflow no longer exists' });
      }
    }
    return out;
  }
  return { describeQueueChildren };
}

export type QueueStoreActivities = ReturnType<typeof createQueueStoreActivities> & ReturnType<typeof createQueueChildActivities>;
