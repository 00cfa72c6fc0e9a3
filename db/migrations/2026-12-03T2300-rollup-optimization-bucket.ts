/**
 * Frozen once merged. Brings a database whose `2026-11-29T1300-decision-columns` ran in its first
 * form to what that migration makes now. The first form replaced the rollup's trigger without the
 * 'optimization' bucket of `2026-11-29T1100-model-phase-learning`, so runs of the optimization phase
 * were counted as the model's again; its later form keeps the bucket, but a database that had run the
 * first form never runs a migration twice.
 *
 * Such a database is recognised by its trigger function lacking the bucket: the function is replaced
 * by the one the decision-columns migration installs (bucket, escalations read from the columns) and
 * the rollup is rebuilt from the runs the learning counts (`in_learning`, as the trigger admits them). Any other database is left as it is, so running this on a
 * database that is already right changes nothing.
 */
import { type Kysely, sql } from 'kysely';

const ROLLUP_COLUMNS = sql`domain, model, source, day, runs, successes, duration_ms_sum, escalations, stoploss_triggers,
  last_failure_at, last_success_at, all_p1, all_p2, all_p3, all_p4, success_p1, success_p2, success_p3, success_p4`;

/** The trigger function as `2026-11-29T1300-decision-columns` installs it. */
const TRIGGER_FUNCTION = sql`
    create or replace function run_stats_daily_add() returns trigger language plpgsql as $$
    declare
      day_start timestamptz := date_trunc('day', new.finished_at at time zone 'UTC') at time zone 'UTC';
      x double precision := extract(epoch from (new.finished_at - day_start)) / 86400.0;
      ok integer := case when new.outcome = 'success' then 1 else 0 end;
      escalated integer := case when new.decision_kind = 'escalate' then 1 else 0 end;
      stoploss integer := case when new.decision_kind = 'escalate' and new.decision_rule = 'stoploss' then 1 else 0 end;
      bucket text := case when new.source = 'model' and exists (
        select 1 from runs o where o.workflow_run_id = new.workflow_run_id and o.outcome = 'success' and o.attempt_no < new.attempt_no)
        then 'optimization' else new.source end;
    begin
      insert into run_stats_daily as s (${ROLLUP_COLUMNS})
      values (new.domain, new.model, bucket, (new.finished_at at time zone 'UTC')::date, 1, ok, new.duration_ms, escalated, stoploss,
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
    end $$`;

async function rebuildRollup(db: Kysely<unknown>): Promise<void> {
  await sql`delete from run_stats_daily`.execute(db);
  await sql`
    insert into run_stats_daily (${ROLLUP_COLUMNS})
    select domain, model, bucket, day, count(*), count(*) filter (where outcome = 'success'), sum(duration_ms),
      count(*) filter (where decision_kind = 'escalate'), count(*) filter (where decision_kind = 'escalate' and decision_rule = 'stoploss'),
      max(finished_at) filter (where outcome = 'failure'), max(finished_at) filter (where outcome = 'success'),
      sum(x), sum(x^2), sum(x^3), sum(x^4),
      coalesce(sum(x) filter (where outcome = 'success'), 0), coalesce(sum(x^2) filter (where outcome = 'success'), 0),
      coalesce(sum(x^3) filter (where outcome = 'success'), 0), coalesce(sum(x^4) filter (where outcome = 'success'), 0)
    from (
      select r.*, (finished_at at time zone 'UTC')::date as day,
        case when r.source = 'model' and exists (
          select 1 from runs o where o.workflow_run_id = r.workflow_run_id and o.outcome = 'success' and o.attempt_no < r.attempt_no)
          then 'optimization' else r.source end as bucket,
        extract(epoch from (finished_at - (date_trunc('day', finished_at at time zone 'UTC') at time zone 'UTC'))) / 86400.0 as x
      from runs r
      where r.in_learning
    ) r
    group by domain, model, bucket, day`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const current = await sql<{ src: string }>`select prosrc as src from pg_proc where proname = 'run_stats_daily_add'`.execute(db);
  if (current.rows.some((r) => r.src.includes("'optimization'"))) return;
  await TRIGGER_FUNCTION.execute(db);
  await rebuildRollup(db);
}

/** Nothing to undo: the database stays as the decision-columns migration makes it. */
export async function down(): Promise<void> {}
