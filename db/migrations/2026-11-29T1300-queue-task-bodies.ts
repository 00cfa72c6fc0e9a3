/**
 * Frozen. The v2 queue's task bodies (issue 13): a queue workflow carries only keys and the order's
 * inputs; the resolved task itself is stored here once, content-addressed (`body_id` = the first 16 hex
 * digits of the sha256 of its JSON), and a task started by the queue loads it from here.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table queue_task_bodies (
      body_id text primary key,
      task_id text not null,
      body jsonb not null,
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table queue_task_bodies`.execute(db);
}
