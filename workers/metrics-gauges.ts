/**
 * The workflow worker's gauges, counted every `metrics.poll_seconds`: running tasks by
 * KisystemStatus (from Temporal's visibility, so tasks waiting for the model server or a person
 * show whichever worker runs them) and each queue's depth and used slots (from PostgreSQL).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../db/tables';
import type { TaskStatus } from '../contracts/task-messages';
import { STATUS } from '../contracts/search-attributes';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { KisystemMetrics } from './metrics';

/** The statuses a running task can have (how tasks end is counted by kisystem_runs and shown by the list). */
export const LIVE_STATUSES: readonly TaskStatus[] = ['starting', 'generating', 'building', 'testing', 'optimizing', 'waiting_for_person', 'waiting_for_model_server'];

export interface GaugeSources {
  client: Client;
  db: Kysely<Database>;
  config: Pick<KisystemConfig, 'metrics' | 'queue'>;
  metrics: KisystemMetrics;
  warn: (line: string) => void;
}

/** Counts once: every gauge set. */
export async function countGauges({ client, db, config, metrics }: GaugeSources, queuesSeen: Set<string>): Promise<void> {
  for (const status of LIVE_STATUSES) {
    const { count } = await client.workflow.count(`WorkflowType IN ('taskWorkflow', 'queuedTaskWorkflow') AND ExecutionStatus = 'Running' AND ${STATUS.name} = '${status}'`);
    metrics.tasks.set(count, { status });
  }
  const rows = await db
    .selectFrom('queue_tasks')
    .select(['queue', 'status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('status', 'in', ['pending', 'running'])
    .groupBy(['queue', 'status'])
    .execute();
  for (const row of rows) queuesSeen.add(row.queue);
  for (const queue of queuesSeen) {
    for (const state of ['pending', 'running'] as const) {
      metrics.queueTasks.set(Number(rows.find((r) => r.queue === queue && r.status === state)?.n ?? 0), { queue, state });
    }
    metrics.queueMaxRunning.set(config.queue.max_running, { queue });
  }
}

/** Counts now and every poll_seconds until the returned function is called; a failed count is said once and retried. */
export function pollGauges(sources: GaugeSources): () => void {
  const seen = new Set<string>();
  let failing = false;
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    countGauges(sources, seen).then(
      () => (failing = false),
      (error) => {
        if (!failing) sources.warn(`kisystem workflow worker: metrics: counting tasks and queues failed (tried again every ${sources.config.metrics.poll_seconds} s): ${(error as Error).message}`);
        failing = true;
      },
    ).finally(() => (busy = false));
  };
  tick();
  const timer = setInterval(tick, sources.config.metrics.poll_seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
