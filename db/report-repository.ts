/** The learning report's raw figures (client/report/learning-report.ts): runs per day and model, start decisions per week, queue throughput per hour. */
import { type Kysely, sql } from 'kysely';
import type { Database } from './tables';

/** One day's runs of one model in one domain. */
export interface DailyRuns {
  domain: string;
  model: string;
  /** The day's start, ms since the epoch (UTC). */
  day: number;
  runs: number;
  successes: number;
  meanMs: number;
}

export async function dailyModelRuns(db: Kysely<Database>): Promise<DailyRuns[]> {
  const rows = await sql<{ domain: string; model: string; day: Date; runs: string; successes: string; mean_ms: number }>`
    select domain, model, date_trunc('day', finished_at at time zone 'UTC') as day, count(*) as runs,
      count(*) filter (where outcome = 'success') as successes, avg(duration_ms)::double precision as mean_ms
    from runs where source = 'model' group by 1, 2, 3 order by 3`.execute(db);
  return rows.rows.map((r) => ({ domain: r.domain, model: r.model, day: Date.UTC(r.day.getFullYear(), r.day.getMonth(), r.day.getDate()), runs: Number(r.runs), successes: Number(r.successes), meanMs: Number(r.mean_ms) }));
}

export interface WeeklyStarts {
  /** The week's Monday, ms since the epoch. */
  week: number;
  startRule: string;
  starts: number;
  /** Starts past the chain head. */
  moved: number;
}

export async function startDecisionsPerWeek(db: Kysely<Database>): Promise<WeeklyStarts[]> {
  const rows = await sql<{ week: Date; start_rule: string; starts: string; moved: string }>`
    select date_trunc('week', decided_at at time zone 'UTC') as week, start_rule, count(*) as starts, count(*) filter (where model <> chain[1]) as moved
    from start_decisions group by 1, 2 order by 1, 2`.execute(db);
  return rows.rows.map((r) => ({ week: Date.UTC(r.week.getFullYear(), r.week.getMonth(), r.week.getDate()), startRule: r.start_rule, starts: Number(r.starts), moved: Number(r.moved) }));
}

export interface HourlyFinished {
  queue: string;
  /** The hour's start, ms since the epoch. */
  hour: number;
  finished: number;
}

export async function queueFinishedPerHour(db: Kysely<Database>): Promise<HourlyFinished[]> {
  const rows = await sql<{ queue: string; hour: Date; finished: string }>`
    select queue, date_trunc('hour', finished_at at time zone 'UTC') as hour, count(*) as finished
    from queue_tasks where finished_at is not null group by 1, 2 order by 2`.execute(db);
  return rows.rows.map((r) => ({ queue: r.queue, hour: Date.UTC(r.hour.getFullYear(), r.hour.getMonth(), r.hour.getDate(), r.hour.getHours()), finished: Number(r.finished) }));
}
