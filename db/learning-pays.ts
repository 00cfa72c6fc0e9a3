/**
 * Whether the learning pays, for `kisystem stats`: per domain the mean machine time per
 * task and the recovered % of the last 30 days against the 30 days before; and how often the start
 * rule moved the start past the chain head and whether the model it moved to then solved the task.
 * (This replaces the "bias hit rate", which counted only starts on the bias model and so read high
 * while the bias was rarely used.)
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './tables';

export interface DomainPeriodFigures {
  domain: string;
  /** 'last 30 days' or '30 days before' */
  period: 'last 30 days' | '30 days before';
  tasks: number;
  /** mean machine time (model runs) per task, seconds */
  meanMachineSeconds: number;
  /** share of tasks a model solved (not the manual fallback) */
  recovered: number;
}

/** A task is one workflow run; its time is its first run's; machine time sums its model runs. */
export async function domainPeriods(db: Kysely<Database>, now: Date = new Date()): Promise<DomainPeriodFigures[]> {
  const rows = await sql<{ domain: string; period: DomainPeriodFigures['period']; tasks: string; mean_s: number | null; recovered: number | null }>`
    with tasks as (
      select domain, min(finished_at) as at,
        coalesce(sum(duration_ms) filter (where source <> 'manual'), 0) as ms,
        bool_or(outcome = 'success' and source <> 'manual') as recovered
      from runs where finished_at > ${now}::timestamptz - interval '61 days'
      group by domain, workflow_run_id
    )
    select domain, case when at > ${now}::timestamptz - interval '30 days' then 'last 30 days' else '30 days before' end as period,
      count(*) as tasks, avg(ms)::double precision / 1000.0 as mean_s, avg(case when recovered then 1.0 else 0.0 end)::double precision as recovered
    from tasks where at > ${now}::timestamptz - interval '60 days'
    group by 1, 2 order by 1, 2 desc`.execute(db);
  return rows.rows.map((r) => ({ domain: r.domain, period: r.period, tasks: Number(r.tasks), meanMachineSeconds: r.mean_s ?? 0, recovered: r.recovered ?? 0 }));
}

export interface StartMoves {
  startRule: string;
  /** task starts recorded under this rule */
  starts: number;
  /** starts past the chain head */
  moved: number;
  /** of those, tasks the model it moved to solved */
  movedSolved: number;
  /** starts at the chain head, and how many the head solved */
  atHead: number;
  headSolved: number;
}

export async function startMoves(db: Kysely<Database>): Promise<StartMoves[]> {
  const rows = await sql<{ start_rule: string; starts: string; moved: string; moved_solved: string; at_head: string; head_solved: string }>`
    with d as (
      select d.start_rule, d.model <> d.chain[1] as moved,
        exists (select 1 from runs r where r.workflow_run_id = d.workflow_run_id and r.model = d.model and r.outcome = 'success' and r.source = 'model') as solved
      from start_decisions d
    )
    select start_rule, count(*) as starts, count(*) filter (where moved) as moved, count(*) filter (where moved and solved) as moved_solved,
      count(*) filter (where not moved) as at_head, count(*) filter (where not moved and solved) as head_solved
    from d group by start_rule order by start_rule`.execute(db);
  return rows.rows.map((r) => ({
    startRule: r.start_rule, starts: Number(r.starts), moved: Number(r.moved), movedSolved: Number(r.moved_solved), atHead: Number(r.at_head), headSolved: Number(r.head_solved),
  }));
}
