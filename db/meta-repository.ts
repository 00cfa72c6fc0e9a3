/**
 * The Meta-Supervisor's reads: SQL aggregates over the daily rollup `run_stats_daily` (kept by a
 * trigger on `runs`), so every call reads a few thousand rows however long the history grows.
 * Read-only: nothing here writes to the learning history.
 */
import { type Kysely, sql } from 'kysely';
import type { DomainAggregate, ModelAggregate } from '../policy/rules/meta-supervisor';
import type { Database } from './tables';

const toIso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** Per domain: runs, successes, mean duration, newest failure and success (plain, unaged). */
export async function domainAggregates(db: Kysely<Database>): Promise<DomainAggregate[]> {
  const rows = await sql<{ domain: string; runs: string; successes: string; mean_s: number | null; last_failure_at: Date | null; last_success_at: Date | null }>`
    select domain, sum(runs) as runs, sum(successes) as successes,
      sum(duration_ms_sum)::double precision / nullif(sum(runs), 0) / 1000.0 as mean_s,
      max(last_failure_at) as last_failure_at, max(last_success_at) as last_success_at
    from run_stats_daily group by domain order by domain`.execute(db);
  return rows.rows.map((r) => ({
    domain: r.domain,
    runs: Number(r.runs),
    successes: Number(r.successes),
    meanDurationSeconds: r.mean_s ?? 0,
    lastFailureAt: toIso(r.last_failure_at),
    lastSuccessAt: toIso(r.last_success_at),
  }));
}

/**
 * Per (domain, model), with exponential aging w = exp(-age_days / tau) summed exactly from the
 * rollup's power sums (see the migration). Model-phase runs only (`source = 'model'`): runs handed
 * in by people ('manual') say nothing about a model, and optimization-phase runs ('optimization',
 * filed so by the rollup trigger since migration 2026-11-29T1100) are no failures of it.
 */
export async function modelAggregates(db: Kysely<Database>, now: Date, agingDays: number, domain?: string): Promise<ModelAggregate[]> {
  const tau = agingDays;
  const onlyDomain = domain === undefined ? sql`` : sql`and domain = ${domain}`;
  const rows = await sql<{ domain: string; model: string; runs: string; successes: string; weighted_successes: number; weight_sum: number }>`
    with aged as (
      select domain, model, runs, successes,
        -- date_part gives double precision (extract gives numeric, whose exp is far slower)
        exp(-date_part('epoch', ${now}::timestamptz - (day::timestamp at time zone 'UTC')) / 86400.0 / ${tau}::double precision) as day_weight,
        runs + all_p1 / ${tau}::double precision + all_p2 / (2 * ${tau}::double precision ^ 2) + all_p3 / (6 * ${tau}::double precision ^ 3) + all_p4 / (24 * ${tau}::double precision ^ 4) as all_moment,
        successes + success_p1 / ${tau}::double precision + success_p2 / (2 * ${tau}::double precision ^ 2) + success_p3 / (6 * ${tau}::double precision ^ 3) + success_p4 / (24 * ${tau}::double precision ^ 4) as success_moment
      from run_stats_daily where source = 'model' ${onlyDomain}
    )
    select domain, model, sum(runs) as runs, sum(successes) as successes,
      sum(day_weight * success_moment) as weighted_successes, sum(day_weight * all_moment) as weight_sum
    from aged group by domain, model order by domain, model`.execute(db);
  return rows.rows.map((r) => ({
    domain: r.domain,
    model: r.model,
    runs: Number(r.runs),
    successes: Number(r.successes),
    weightedSuccesses: Number(r.weighted_successes),
    weightSum: Number(r.weight_sum),
  }));
}

export interface EscalationStats {
  domain: string;
  escalations: number;
  stoplossTriggers: number;
}

export async function escalationStats(db: Kysely<Database>): Promise<EscalationStats[]> {
  const rows = await sql<{ domain: string; escalations: string; stoploss: string }>`
    select domain, sum(escalations) as escalations, sum(stoploss_triggers) as stoploss
    from run_stats_daily group by domain order by domain`.execute(db);
  return rows.rows.map((r) => ({ domain: r.domain, escalations: Number(r.escalations), stoplossTriggers: Number(r.stoploss) }));
}

export interface BiasHitRate {
  /** Tasks whose start decision had a bias recommendation. */
  recommended: number;
  /** Tasks that started on the bias model. */
  used: number;
  /** Of those, tasks the bias model solved. */
  right: number;
}

export async function biasHitRate(db: Kysely<Database>): Promise<BiasHitRate> {
  const row = await sql<{ recommended: string; used: string; right: string }>`
    select count(*) filter (where d.bias_model is not null) as recommended,
      count(*) filter (where d.bias_model is not null and d.model = d.bias_model) as used,
      count(*) filter (where d.bias_model is not null and d.model = d.bias_model and exists (
        select 1 from runs r where r.workflow_run_id = d.workflow_run_id and r.outcome = 'success' and r.model = d.bias_model)) as right
    from start_decisions d`.execute(db);
  const r = row.rows[0]!;
  return { recommended: Number(r.recommended), used: Number(r.used), right: Number(r.right) };
}

/** SQL condition: run `r` is a model-phase run (by the model, before its workflow run's first success) the learning counts. */
const MODEL_PHASE = sql`r.source = 'model' and r.in_learning and not exists (
  select 1 from runs o where o.workflow_run_id = r.workflow_run_id and o.outcome = 'success' and o.attempt_no < r.attempt_no)`;

/**
 * Learned per-run time of each model in `models` within `domain`: the median duration of its
 * newest `limit` model-phase runs (an index walk per model, however long the history).
 */
export async function learnedRunTimes(
  db: Kysely<Database>,
  domain: string,
  models: readonly string[],
  limit = 100,
): Promise<Record<string, { medianSeconds: number; samples: number }>> {
  if (models.length === 0) return {};
  const rows = await sql<{ model: string; median_s: number; samples: string }>`
    select m.model, percentile_cont(0.5) within group (order by x.duration_ms) / 1000.0 as median_s, count(*) as samples
    from unnest(${[...models]}::text[]) as m(model)
    cross join lateral (
      select r.duration_ms from runs r
      where r.domain = ${domain} and r.model = m.model and r.duration_ms > 0 and ${MODEL_PHASE}
      order by r.finished_at desc limit ${limit}
    ) x
    group by m.model`.execute(db);
  const out: Record<string, { medianSeconds: number; samples: number }> = {};
  for (const r of rows.rows) out[r.model] = { medianSeconds: Number(r.median_s), samples: Number(r.samples) };
  return out;
}

export interface EarlierSubmissionFailures {
  /** the workflow of the latest earlier submission of the task id, null when there was none */
  workflowId: string | null;
  /** its failed model-phase runs */
  failures: number;
  /** the error type of the newest of them */
  lastErrorType: string | null;
}

/**
 * earlierSubmissionFailures for many task ids at once (a queue's batch): per task id, the failed
 * model-phase runs of its latest submission and the newest error type among them.
 */
export async function latestSubmissionFailuresOf(db: Kysely<Database>, taskIds: readonly string[]): Promise<Map<string, { failures: number; lastErrorType: string | null }>> {
  if (taskIds.length === 0) return new Map();
  const rows = await sql<{ task_id: string; failures: string; last_error_type: string | null }>`
    with latest as (
      select distinct on (task_id) task_id, workflow_id from runs
      where task_id = any(${[...taskIds]}::text[]) order by task_id, finished_at desc, id desc)
    select l.task_id, count(r.id) as failures,
      (array_agg(r.error_type order by r.finished_at desc, r.id desc))[1] as last_error_type
    from latest l join runs r on r.workflow_id = l.workflow_id
    where r.outcome = 'failure' and ${MODEL_PHASE}
    group by l.task_id`.execute(db);
  return new Map(rows.rows.map((r) => [r.task_id, { failures: Number(r.failures), lastErrorType: r.last_error_type }]));
}

/**
 * The failure state's input at a task's start: the failed runs of the same task id
 * in its latest earlier submission only (one workflow, not `currentWorkflowId`), model phase only
 * (no optimization-phase or manual runs), and the last error type among them.
 */
export async function earlierSubmissionFailures(db: Kysely<Database>, taskId: string, currentWorkflowId: string | null): Promise<EarlierSubmissionFailures> {
  const notCurrent = currentWorkflowId === null ? sql`` : sql`and workflow_id <> ${currentWorkflowId}`;
  const latest = await sql<{ workflow_id: string }>`
    select workflow_id from runs where task_id = ${taskId} ${notCurrent} order by finished_at desc, id desc limit 1`.execute(db);
  const workflowId = latest.rows[0]?.workflow_id ?? null;
  if (workflowId === null) return { workflowId: null, failures: 0, lastErrorType: null };
  const rows = await sql<{ error_type: string | null }>`
    select r.error_type from runs r
    where r.workflow_id = ${workflowId} and r.outcome = 'failure' and ${MODEL_PHASE}
    order by r.finished_at desc, r.id desc`.execute(db);
  return { workflowId, failures: rows.rows.length, lastErrorType: rows.rows[0]?.error_type ?? null };
}
