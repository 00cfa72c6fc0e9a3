/**
 * Frozen once merged. Where each run's verdict came from and whether the learning counts it:
 * `verdict_source` is 'checker' (the task's trusted checker judged the answer) or 'self-reported'
 * (a task without a checker: the candidate printed its own verdict, which an answer can forge);
 * null for runs recorded before, except those whose output carries the trusted checker's verdict
 * marker. `in_learning` false keeps a run out of the daily rollup (every Meta-Supervisor aggregate)
 * and out of the model-phase reads; the workflow sets it from the task's config
 * (`learning.include_self_reported`). Runs recorded before stay counted, as they were.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table runs
      add column verdict_source text check (verdict_source in ('checker', 'self-reported')),
      add column in_learning boolean not null default true`.execute(db);
  await sql`update runs set verdict_source = 'checker' where output like '%[verdict of the task''s trusted checker]%'`.execute(db);
  // The rollup's trigger function stays as it is; only runs the learning counts reach it.
  await sql`drop trigger runs_stats_daily on runs`.execute(db);
  await sql`create trigger runs_stats_daily after insert on runs for each row when (new.in_learning) execute function run_stats_daily_add()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger runs_stats_daily on runs`.execute(db);
  await sql`create trigger runs_stats_daily after insert on runs for each row execute function run_stats_daily_add()`.execute(db);
  await sql`alter table runs drop column in_learning, drop column verdict_source`.execute(db);
}
