/**
 * Frozen. A daily rollup of the runs, kept by a trigger, so that the Meta-Supervisor's aggregates
 * read a few thousand rows instead of a million; and the start decisions with their inputs.
 *
 * Exact aging from a rollup: for a run at t in the day bucket starting at d (x = t - d in days,
 * 0 <= x < 1), exp(-(now - t)/tau) = exp(-(now - d)/tau) * exp(x/tau), and
 * exp(x/tau) = sum_k (x/tau)^k / k!. The rollup keeps the power sums sum(x^k), k = 1..4, so any tau
 * (config `meta_supervisor.aging_days`) is answered with a truncation error below 1e-8 for tau >= 30
 * and below 2e-3 even for tau = 1 day.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table run_stats_daily (
      domain text not null,
      model text not null,
      source text not null,
      day date not null,
      runs integer not null default 0,
      successes integer not null default 0,
      duration_ms_sum bigint not null default 0,
      escalations integer not null default 0,
      stoploss_triggers integer not null default 0,
      last_failure_at timestamptz,
      last_success_at timestamptz,
      all_p1 double precision not null default 0,
      all_p2 double precision not null default 0,
      all_p3 double precision not null default 0,
      all_p4 double precision not null default 0,
      success_p1 double precision not null default 0,
      success_p2 double precision not null default 0,
      success_p3 double precision not null default 0,
      success_p4 double precision not null default 0,
      primary key (domain, model, source, day)
    )`.execute(db);
  // Every run updates one row here: room in each page keeps those updates HOT (no index churn), and
  // an eager autovacuum keeps the table near its live size, so the aggregates read few pages.
  await sql`alter table run_stats_daily set (fillfactor = 50, autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 500)`.execute(db);

  await sql`
    create function run_stats_daily_add() returns trigger language plpgsql as $$
    declare
      day_start timestamptz := date_trunc('day', new.finished_at at time zone 'UTC') at time zone 'UTC';
      x double precision := extract(epoch from (new.finished_at - day_start)) / 86400.0;
      ok integer := case when new.outcome = 'success' then 1 else 0 end;
      escalated integer := case when new.decision like 'escalate%' then 1 else 0 end;
      stoploss integer := case when new.decision like 'escalate%(stoploss%' then 1 else 0 end;
    begin
      insert into run_stats_daily as s (domain, model, source, day, runs, successes, duration_ms_sum, escalations, stoploss_triggers,
        last_failure_at, last_success_at, all_p1, all_p2, all_p3, all_p4, success_p1, success_p2, success_p3, success_p4)
      values (new.domain, new.model, new.source, (new.finished_at at time zone 'UTC')::date, 1, ok, new.duration_ms, escalated, stoploss,
        case when ok = 0 then new.finished_at end, case when ok = 1 then new.finished_at end,
        x, x^2, x^3, x^4, ok * x, ok * x^2, ok * x^3, ok * x^4)
      on conflict (domain, model, source, day) do update set
        runs = s.runs + 1,
        successes = s.successes + excluded.successes,
        duration_ms_sum = s.duration_ms_sum + excluded.duration_ms_sum,
        escalations = s.escalations + excluded.escalations,
        stoploss_triggers = s.stoploss_triggers + excluded.stoploss_triggers,
        last_failure_at = greatest(s.last_failure_at, excluded.last_failure_at),
        last_success_at = greatest(s.last_success_at, excluded.last_success_at),
        all_p1 = s.all_p1 + excluded.all_p1, all_p2 = s.all_p2 + excluded.all_p2,
        all_p3 = s.all_p3 + excluded.all_p3, all_p4 = s.all_p4 + excluded.all_p4,
        success_p1 = s.success_p1 + excluded.success_p1, success_p2 = s.success_p2 + excluded.success_p2,
        success_p3 = s.success_p3 + excluded.success_p3, success_p4 = s.success_p4 + excluded.success_p4;
      return null;
    end $$`.execute(db);

  await sql`create trigger runs_stats_daily after insert on runs for each row execute function run_stats_daily_add()`.execute(db);

  // Runs recorded before this migration.
  await sql`
    insert into run_stats_daily (domain, model, source, day, runs, successes, duration_ms_sum, escalations, stoploss_triggers,
      last_failure_at, last_success_at, all_p1, all_p2, all_p3, all_p4, success_p1, success_p2, success_p3, success_p4)
    select domain, model, source, day, count(*), count(*) filter (where outcome = 'success'), sum(duration_ms),
      count(*) filter (where decision like 'escalate%'), count(*) filter (where decision like 'escalate%(stoploss%'),
      max(finished_at) filter (where outcome = 'failure'), max(finished_at) filter (where outcome = 'success'),
      sum(x), sum(x^2), sum(x^3), sum(x^4),
      coalesce(sum(x) filter (where outcome = 'success'), 0), coalesce(sum(x^2) filter (where outcome = 'success'), 0),
      coalesce(sum(x^3) filter (where outcome = 'success'), 0), coalesce(sum(x^4) filter (where outcome = 'success'), 0)
    from (
      select *, (finished_at at time zone 'UTC')::date as day,
        extract(epoch from (finished_at - (date_trunc('day', finished_at at time zone 'UTC') at time zone 'UTC'))) / 86400.0 as x
      from runs
    ) r
    group by domain, model, source, day`.execute(db);

  await db.schema
    .createTable('start_decisions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('workflow_run_id', 'text', (c) => c.notNull().unique())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('meta_enabled', 'boolean', (c) => c.notNull())
    .addColumn('bias_model', 'text')
    .addColumn('bias_confidence', 'double precision')
    .addColumn('bias_runs', 'integer')
    .addColumn('meta_score', 'double precision', (c) => c.notNull())
    .addColumn('complexity', 'double precision', (c) => c.notNull())
    .addColumn('failure_state', 'double precision', (c) => c.notNull())
    .addColumn('final_score', 'double precision', (c) => c.notNull())
    .addColumn('score_model', 'text', (c) => c.notNull())
    .addColumn('chain', sql`text[]`, (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('start_decisions_domain').on('start_decisions').columns(['domain', 'decided_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('start_decisions').execute();
  await sql`drop trigger runs_stats_daily on runs`.execute(db);
  await sql`drop function run_stats_daily_add()`.execute(db);
  await db.schema.dropTable('run_stats_daily').execute();
}
