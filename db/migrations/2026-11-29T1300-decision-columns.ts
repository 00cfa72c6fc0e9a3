/**
 * Frozen. The stop-loss decision of a run as columns (issue 13): `decision_kind` (retry, escalate,
 * fallback) and `decision_rule` (below-stoploss, stoploss, severity, chain-exhausted, non-recoverable).
 * Statistics read these, never the display text in `decision` (rewording a message changed
 * `kisystem stats` before). Existing rows are mapped once from the text the workflow wrote until now
 * ("retry m (...)", "escalate to m (rule: ...)", "manual fallback (rule: ...)"); the daily rollup's
 * trigger reads the columns from now on and its escalation counts are recomputed from them.
 */
import { type Kysely, sql } from 'kysely';

/** The rollup's trigger (with the model-phase bucket of 2026-11-29T1100); `counts` says how escalations are recognised. */
function rollupTrigger(counts: 'columns' | 'text') {
  const escalated = sql.raw(counts === 'columns' ? "new.decision_kind = 'escalate'" : "new.decision like 'escalate%'");
  const stoploss = sql.raw(counts === 'columns' ? "new.decision_kind = 'escalate' and new.decision_rule = 'stoploss'" : "new.decision like 'escalate%(stoploss%'");
  return sql`
    create or replace function run_stats_daily_add() returns trigger language plpgsql as $$
    declare
      day_start timestamptz := date_trunc('day', new.finished_at at time zone 'UTC') at time zone 'UTC';
      x double precision := extract(epoch from (new.finished_at - day_start)) / 86400.0;
      ok integer := case when new.outcome = 'success' then 1 else 0 end;
      escalated integer := case when ${escalated} then 1 else 0 end;
      stoploss integer := case when ${stoploss} then 1 else 0 end;
      bucket text := case when new.source = 'model' and exists (
        select 1 from runs o where o.workflow_run_id = new.workflow_run_id and o.outcome = 'success' and o.attempt_no < new.attempt_no)
        then 'optimization' else new.source end;
    begin
      insert into run_stats_daily as s (domain, model, source, day, runs, successes, duration_ms_sum, escalations, stoploss_triggers,
        last_failure_at, last_success_at, all_p1, all_p2, all_p3, all_p4, success_p1, success_p2, success_p3, success_p4)
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
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table runs
      add column decision_kind text check (decision_kind in ('retry', 'escalate', 'fallback')),
      add column decision_rule text check (decision_rule in ('below-stoploss', 'stoploss', 'severity', 'chain-exhausted', 'non-recoverable'))`.execute(db);
  await sql`
    update runs set
      decision_kind = case when decision like 'retry %' then 'retry' when decision like 'escalate to %' then 'escalate' when decision like 'manual fallback (%' then 'fallback' end,
      decision_rule = case
        when decision like 'retry %' then 'below-stoploss'
        when decision like 'escalate to % (stoploss:%' then 'stoploss'
        when decision like 'escalate to % (severity:%' then 'severity'
        when decision like 'manual fallback (chain-exhausted:%' then 'chain-exhausted'
        when decision like 'manual fallback (non-recoverable:%' then 'non-recoverable' end
    where decision is not null`.execute(db);
  // The trigger keeps its shape; only the two counts read the columns now.
  await rollupTrigger('columns').execute(db);
  await sql`
    update run_stats_daily s set escalations = c.escalations, stoploss_triggers = c.stoploss
    from (
      select domain, model,
        case when r.source = 'model' and exists (
          select 1 from runs o where o.workflow_run_id = r.workflow_run_id and o.outcome = 'success' and o.attempt_no < r.attempt_no)
          then 'optimization' else r.source end as source,
        (finished_at at time zone 'UTC')::date as day,
        count(*) filter (where decision_kind = 'escalate') as escalations,
        count(*) filter (where decision_kind = 'escalate' and decision_rule = 'stoploss') as stoploss
      from runs r group by 1, 2, 3, 4
    ) c
    where s.domain = c.domain and s.model = c.model and s.source = c.source and s.day = c.day`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await rollupTrigger('text').execute(db);
  await sql`alter table runs drop column decision_kind, drop column decision_rule`.execute(db);
}
