/**
 * Frozen. The cost-aware queue's record: one row per task that entered a named queue, upserted by
 * (queue, key) as it waits, starts and ends. `kisystem stats` reads the queue figures from it
 * (average wait, throughput, ETA accuracy).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table queue_tasks (
      queue text not null,
      key text not null,
      task_id text not null,
      workflow_id text,
      priority_score double precision not null,
      eta_seconds double precision not null,
      added_at timestamptz not null,
      started_at timestamptz,
      finished_at timestamptz,
      status text not null,
      primary key (queue, key)
    )`.execute(db);
  await sql`create index queue_tasks_finished on queue_tasks (queue, finished_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table queue_tasks`.execute(db);
}
