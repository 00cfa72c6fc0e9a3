/** The cost-aware queue's figures from `queue_tasks` (guide section 5: queue efficiency). */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './tables';

export interface QueueStats {
  queue: string;
  tasks: number;
  finished: number;
  /** Mean of started - added over the tasks that started (seconds); null when none started. */
  avgWaitSeconds: number | null;
  /** Finished tasks per hour over the span from the first start to the last finish; null without a span. */
  throughputPerHour: number | null;
  /** Median |real - ETA| / ETA over finished tasks (real = finished - started); null when none finished. */
  etaMedianRelativeError: number | null;
}

export async function queueStats(db: Kysely<Database>): Promise<QueueStats[]> {
  const rows = await sql<{ queue: string; tasks: string; finished: string; avg_wait: number | null; span: number | null; eta_error: number | null }>`
    select queue,
      count(*) as tasks,
      count(*) filter (where started_at is not null and finished_at is not null) as finished,
      avg(extract(epoch from started_at - added_at)) filter (where started_at is not null) as avg_wait,
      extract(epoch from max(finished_at) filter (where started_at is not null) - min(started_at)) as span,
      percentile_cont(0.5) within group (order by abs(extract(epoch from finished_at - started_at) - eta_seconds) / eta_seconds)
        filter (where started_at is not null and finished_at is not null) as eta_error
    from queue_tasks group by queue order by queue`.execute(db);
  return rows.rows.map((r) => {
    const finished = Number(r.finished);
    const span = r.span === null ? null : Number(r.span);
    return {
      queue: r.queue,
      tasks: Number(r.tasks),
      finished,
      avgWaitSeconds: r.avg_wait === null ? null : Number(r.avg_wait),
      throughputPerHour: span !== null && span > 0 ? finished / (span / 3600) : null,
      etaMedianRelativeError: r.eta_error === null ? null : Number(r.eta_error),
    };
  });
}

// ---- task bodies of the v2 queue ----

/** The content address of a resolved task: the first 16 hex digits of the sha256 of its JSON. */
export function bodyIdOf(task: unknown): string {
  return createHash('sha256').update(JSON.stringify(task)).digest('hex').slice(0, 16);
}

/** Stores task bodies once (a body stored before is kept); returns their body ids in input order. */
export async function storeTaskBodies(db: Kysely<Database>, tasks: readonly { id: string }[]): Promise<string[]> {
  const ids = tasks.map(bodyIdOf);
  const rows = new Map<string, { body_id: string; task_id: string; body: string }>();
  tasks.forEach((t, i) => rows.set(ids[i]!, { body_id: ids[i]!, task_id: t.id, body: JSON.stringify(t) }));
  const values = [...rows.values()];
  for (let i = 0; i < values.length; i += 200) {
    await db.insertInto('queue_task_bodies').values(values.slice(i, i + 200)).onConflict((oc) => oc.column('body_id').doNothing()).execute();
  }
  return ids;
}

/** The stored bodies of these ids (a missing id is absent from the map). */
export async function loadTaskBodies<T>(db: Kysely<Database>, bodyIds: readonly string[]): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  if (bodyIds.length === 0) return out;
  const rows = await db.selectFrom('queue_task_bodies').select(['body_id', 'body']).where('body_id', 'in', [...new Set(bodyIds)]).execute();
  for (const r of rows) out.set(r.body_id, r.body as T);
  return out;
}
