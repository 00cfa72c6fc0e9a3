/** The two-tier profiling history: one row per profiled iteration, and the guide's success figures. */
import type { Kysely } from 'kysely';
import type { Database, NewProfile } from './tables';

/** Inserts a profile once: a retried insert of the same (workflow run, iteration) adds nothing. Returns true when it was new. */
export async function insertProfileOnce(db: Kysely<Database>, profile: NewProfile): Promise<boolean> {
  const inserted = await db
    .insertInto('profiles')
    .values(profile)
    .onConflict((oc) => oc.columns(['workflow_run_id', 'iteration']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export interface ProfileStats {
  tier0: number;
  tier1: number;
  /** tier0 / tier1 (null without tier-1 profiles). */
  tier0PerTier1: number | null;
  /** Measured wall time of all microbenchmarks and full profiles, ms. */
  profilingMs: number;
  /**
   * What profiling every iteration fully would have cost, ms: every iteration's measured
   * microbenchmark plus, for a tier-0 iteration, the mean measured full profile of the same task
   * run (iterations of runs without a measured full profile are left out of both sums).
   */
  allFullMs: number;
  savedMs: number;
  /** savedMs / allFullMs in % (null when nothing was measured). */
  savedPct: number | null;
  /** Full profiles taken because the score fell (score-change with a fall, or slow-regression). */
  regressionsCaught: number;
  /** Iterations whose score fell but that only got tier 0 (falls within the threshold). */
  fallsAtTier0: number;
}

export async function profileStats(db: Kysely<Database>, filter: { taskId?: string; domain?: string } = {}): Promise<ProfileStats> {
  let query = db.selectFrom('profiles').select(['workflow_run_id', 'tier', 'rule', 'score_change', 'microbench_ms', 'full_profile_ms']);
  if (filter.taskId) query = query.where('task_id', '=', filter.taskId);
  if (filter.domain) query = query.where('domain', '=', filter.domain);
  const rows = await query.execute();
  const meanFull = new Map<string, number>();
  const byRun = new Map<string, { sum: number; n: number }>();
  for (const r of rows) {
    if (r.tier !== 1) continue;
    const e = byRun.get(r.workflow_run_id) ?? { sum: 0, n: 0 };
    e.sum += r.full_profile_ms;
    e.n += 1;
    byRun.set(r.workflow_run_id, e);
  }
  for (const [run, e] of byRun) meanFull.set(run, e.sum / e.n);
  let profilingMs = 0;
  let measuredMs = 0;
  let allFullMs = 0;
  let tier0 = 0;
  let tier1 = 0;
  let regressionsCaught = 0;
  let fallsAtTier0 = 0;
  for (const r of rows) {
    const falling = r.score_change !== null && r.score_change < 0;
    if (r.tier === 1) {
      tier1 += 1;
      if (falling && (r.rule === 'score-change' || r.rule === 'slow-regression')) regressionsCaught += 1;
    } else {
      tier0 += 1;
      if (falling) fallsAtTier0 += 1;
    }
    const spent = r.microbench_ms + r.full_profile_ms;
    profilingMs += spent;
    const mean = meanFull.get(r.workflow_run_id);
    if (mean === undefined) continue;
    measuredMs += spent;
    allFullMs += r.tier === 1 ? spent : r.microbench_ms + mean;
  }
  const savedMs = allFullMs - measuredMs;
  return {
    tier0,
    tier1,
    tier0PerTier1: tier1 === 0 ? null : tier0 / tier1,
    profilingMs,
    allFullMs,
    savedMs,
    savedPct: allFullMs > 0 ? (savedMs / allFullMs) * 100 : null,
    regressionsCaught,
    fallsAtTier0,
  };
}
