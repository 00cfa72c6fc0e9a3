/**
 * The queue workflow's activities: what the learning history says about the tasks waiting in a queue
 * (start model by the hybrid decision, P(domain), real durations for the ETA), and the queue's own
 * record (`queue_tasks`, one row per queued task, upserted by (queue, key): a retried write is harmless).
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { isDomain } from '../policy/rules/domains';
import { startSnapshotOf, decideTaskStart } from '../policy/rules/start-rule';
import { chainForDomain } from '../policy/rules/routing';
import type { QueueEstimate, QueueEstimateRequest, QueueTaskRow } from '../contracts/queue-messages';
import { createMetaActivities } from './meta';

/** Real durations kept per (model, domain) for the ETA median. */
export const ETA_HISTORY_LIMIT = 50;

export interface QueueEstimatesInput {
  config: KisystemConfig;
  tasks: QueueEstimateRequest[];
}

/**
 * The last `limit` real task durations (seconds, newest first) of tasks that started with `model` in
 * `domain`: a task's duration is the sum of its runs' duration_ms, its model the model of its start
 * decision (start_decisions joined with runs by workflow_run_id).
 */
export async function taskDurations(db: Kysely<Database>, model: string, domain: string, limit = ETA_HISTORY_LIMIT): Promise<number[]> {
  const rows = await sql<{ ms: string }>`
    select sum(r.duration_ms) as ms
    from start_decisions sd join runs r on r.workflow_run_id = sd.workflow_run_id
    where sd.model = ${model} and sd.domain = ${domain}
    group by sd.workflow_run_id
    having sum(r.duration_ms) > 0
    order by max(r.finished_at) desc
    limit ${limit}`.execute(db);
  return rows.rows.map((r) => Number(r.ms) / 1000);
}

export function createQueueActivities(deps: { db: Kysely<Database> }) {
  const { db } = deps;
  const meta = createMetaActivities({ db });

  async function queueEstimates(input: QueueEstimatesInput): Promise<QueueEstimate[]> {
    const { config } = input;
    const durations = new Map<string, Promise<number[]>>();
    const out: QueueEstimate[] = [];
    for (const t of input.tasks) {
      // Fails at once: no retry makes an unknown domain known.
      if (!isDomain(t.domain)) throw ApplicationFailure.nonRetryable(`queueEstimates: unknown domain ${JSON.stringify(t.domain)}`, 'UnknownDomain');
      const chain = chainForDomain(config, t.domain);
      const snapshot = await meta.loadMetaSnapshot({
        taskId: t.taskId,
        domain: t.domain,
        chain: [...chain.models],
        settings: { meta_supervisor: config.meta_supervisor, meta_supervisor_weights: config.meta_supervisor_weights },
      });
      // The start rule the task itself will use; no draws: the posterior medians stand in for the task's luck.
      const start = decideTaskStart(
        startSnapshotOf(t.domain, chain.models, snapshot, t.text, { failures: snapshot.earlierFailures, lastErrorType: snapshot.lastErrorType }),
        config,
        [],
      );
      const pair = `${start.model}\u0000${t.domain}`;
      if (!durations.has(pair)) durations.set(pair, taskDurations(db, start.model, t.domain));
      out.push({
        key: t.key,
        startModel: start.model,
        startSummary: start.summary,
        domainPriority: snapshot.priority ? snapshot.priority.priority_score : null,
        durationsSeconds: await durations.get(pair)!,
      });
    }
    return out;
  }

  /**
   * Upserts each row by (queue, key); rows are in order and the last state of a key wins. One
   * statement per 500 keys (a backlog's adds write thousands of rows; one insert per row was too slow).
   */
  async function recordQueueEvents(rows: QueueTaskRow[]): Promise<number> {
    const last = new Map<string, QueueTaskRow>();
    for (const r of rows) last.set(`${r.queue}\u0000${r.key}`, r);
    const values = [...last.values()].map((r) => ({
      queue: r.queue,
      key: r.key,
      task_id: r.taskId,
      workflow_id: r.workflowId,
      priority_score: r.priorityScore,
      eta_seconds: r.etaSeconds,
      added_at: r.addedAt,
      started_at: r.startedAt,
      finished_at: r.finishedAt,
      status: r.status,
    }));
    for (let i = 0; i < values.length; i += 500) {
      await db
        .insertInto('queue_tasks')
        .values(values.slice(i, i + 500))
        .onConflict((oc) =>
          oc.columns(['queue', 'key']).doUpdateSet((eb) => ({
            workflow_id: eb.ref('excluded.workflow_id'),
            priority_score: eb.ref('excluded.priority_score'),
            eta_seconds: eb.ref('excluded.eta_seconds'),
            started_at: eb.ref('excluded.started_at'),
            finished_at: eb.ref('excluded.finished_at'),
            status: eb.ref('excluded.status'),
          })),
        )
        .execute();
    }
    return rows.length;
  }

  return { queueEstimates, recordQueueEvents };
}

export type QueueActivities = ReturnType<typeof createQueueActivities>;
