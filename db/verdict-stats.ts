/** Where the runs' verdicts came from, per domain and model: what `kisystem stats` shows beside the rates. */
import { type Kysely, sql } from 'kysely';
import type { Database } from './tables';

export interface VerdictCounts {
  domain: string;
  model: string;
  /** judged by the task's trusted checker */
  checker: number;
  /** the answer's own verdict line (a task without a checker): forgeable */
  selfReported: number;
  /** of the self-reported runs, those the learning leaves out */
  leftOut: number;
  /** recorded before verdict sources were */
  unknown: number;
}

export async function verdictCounts(db: Kysely<Database>): Promise<VerdictCounts[]> {
  const rows = await sql<{ domain: string; model: string; checker: string; self_reported: string; left_out: string; unknown: string }>`
    select domain, model,
      count(*) filter (where verdict_source = 'checker') as checker,
      count(*) filter (where verdict_source = 'self-reported') as self_reported,
      count(*) filter (where not in_learning) as left_out,
      count(*) filter (where verdict_source is null) as unknown
    from runs where source = 'model' group by domain, model order by domain, model`.execute(db);
  return rows.rows.map((r) => ({
    domain: r.domain,
    model: r.model,
    checker: Number(r.checker),
    selfReported: Number(r.self_reported),
    leftOut: Number(r.left_out),
    unknown: Number(r.unknown),
  }));
}
