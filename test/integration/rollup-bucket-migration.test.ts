/**
 * A database that ran the first form of 2026-11-29T1300-decision-columns (its trigger filed runs of
 * the optimization phase under the model again) is brought by 2026-12-03T2300-rollup-optimization-bucket
 * to the rollup a database migrated with the current form has; on a database that is right already,
 * running it again changes nothing. Real PostgreSQL.
 */
import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { createLearningActivities } from '../../activities/learning';
import type { RecordRunInput } from '../../contracts/activity-types';
import { ensureDatabase, openDatabase } from '../../db/database';
import { MIGRATIONS, migratorFor } from '../../db/migrations';
import * as rollupOptimizationBucket from '../../db/migrations/2026-12-03T2300-rollup-optimization-bucket';
import type { Database } from '../../db/tables';
import * as firstForm from '../fixtures/migrations/decision-columns-first-form';
import { createTestDatabase, dropDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/test-database';

const CATCH_UP = '2026-12-03T2300-rollup-optimization-bucket';

function run(workflowRunId: string, attemptNo: number, over: Partial<RecordRunInput>): RecordRunInput {
  const at = `2026-11-30T10:0${attemptNo}:00.000Z`;
  return {
    taskId: `t-${workflowRunId}`, workflowId: `wf-${workflowRunId}`, workflowRunId, attemptNo, domain: 'C++/System', model: 'deepseek-coder-v2:16b', source: 'model', phase: 'TEST',
    outcome: 'failure', errorType: 'LOGIC', severity: 2, recoverable: true, rule: null, firstErrorLine: null, hint: null, decision: null,
    llmMs: 1000, buildMs: 0, testMs: 0, startedAt: at, finishedAt: at, host: 'h', code: null, output: null, ...over,
  };
}

/**
 * A task that passes at its first run, then a slower candidate of the optimization phase; an
 * escalation; and a run the learning leaves out (a self-reported verdict), which no rollup counts.
 */
const FIRST_RUNS = [
  run('r1', 1, { outcome: 'success', errorType: null, severity: null }),
  run('r1', 2, {}),
  run('r2', 1, { decision: 'escalate to qwen2.5-coder:32b (stoploss: 2 of 2)', decisionKind: 'escalate', decisionRule: 'stoploss' }),
  run('r3', 1, { outcome: 'success', errorType: null, severity: null, verdictSource: 'self-reported', inLearning: false }),
];
const LATER_RUN = run('r1', 3, {});

async function record(db: Kysely<Database>, runs: RecordRunInput[]): Promise<void> {
  const { recordRun } = createLearningActivities({ db });
  for (const r of runs) await recordRun(r);
}

async function rollup(db: Kysely<Database>) {
  const rows = await sql<Record<string, unknown>>`
    select domain, model, source, day::text, runs, successes, duration_ms_sum::text, escalations, stoploss_triggers,
      round(all_p1::numeric, 9)::text as p1, round(all_p4::numeric, 9)::text as p4, round(success_p2::numeric, 9)::text as s2
    from run_stats_daily order by domain, model, source, day`.execute(db);
  return rows.rows;
}

let fresh: TestDatabase;
let staleUrl: string;
let stale: Kysely<Database>;
beforeAll(async () => {
  fresh = await createTestDatabase('kisystem_rollup_fresh');
  staleUrl = testDatabaseUrl('kisystem_rollup_stale');
  await ensureDatabase(staleUrl);
  stale = openDatabase(staleUrl);
});
afterAll(async () => {
  await fresh?.drop();
  await stale?.destroy();
  if (staleUrl) await dropDatabase(staleUrl);
});

describe('2026-12-03T2300-rollup-optimization-bucket', () => {
  it('brings a database that ran the first form of decision-columns to the rollup of a fresh one', async () => {
    const before: Record<string, Migration> = Object.fromEntries(
      MIGRATIONS.filter(([name]) => name !== CATCH_UP).map(([name, m]) => [name, name === '2026-11-29T1300-decision-columns' ? firstForm : m]),
    );
    expect((await new Migrator({ db: stale, provider: { getMigrations: async () => before } }).migrateToLatest()).error).toBeUndefined();
    await record(stale, FIRST_RUNS);
    await record(fresh.db, FIRST_RUNS);
    const sources = (rows: Record<string, unknown>[]) => rows.map((r) => `${r.source}:${r.runs}`);
    expect(sources(await rollup(stale))).toEqual(['model:3']);
    expect(sources(await rollup(fresh.db))).toEqual(['model:2', 'optimization:1']);

    const caughtUp = await migratorFor(stale).migrateToLatest();
    expect(caughtUp.error).toBeUndefined();
    expect(caughtUp.results?.map((r) => [r.migrationName, r.status])).toEqual([[CATCH_UP, 'Success']]);
    expect(await rollup(stale)).toEqual(await rollup(fresh.db));

    // The trigger is the current one too: a later run lands where a fresh database files it.
    await record(stale, [LATER_RUN]);
    await record(fresh.db, [LATER_RUN]);
    expect(await rollup(stale)).toEqual(await rollup(fresh.db));
  });

  it('changes nothing on a database that is right already', async () => {
    const rows = await rollup(fresh.db);
    await sql`update run_stats_daily set runs = runs + 100 where source = 'optimization'`.execute(fresh.db);
    await rollupOptimizationBucket.up(fresh.db as unknown as Kysely<unknown>);
    await sql`update run_stats_daily set runs = runs - 100 where source = 'optimization'`.execute(fresh.db);
    expect(await rollup(fresh.db)).toEqual(rows);
  });
});
