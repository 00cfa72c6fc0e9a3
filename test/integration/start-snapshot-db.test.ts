/**
 * What the start decision reads, on a real PostgreSQL: the failure state of the latest earlier
 * submission only, model phase only; model aggregates without optimization-phase or manual runs;
 * learned per-run times; the start decision recorded with its rule and positions.
 */
import { type Kysely, sql } from 'kysely';
import { ensureDatabase, openDatabase } from '../../db/database';
import { migratorFor } from '../../db/migrations';
import { createMetaActivities } from '../../activities/meta';
import { learnedRunTimes, modelAggregates } from '../../db/meta-repository';
import type { Database, NewRun } from '../../db/tables';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { decideTaskStart } from '../../policy/rules/start-rule';
import { createTestDatabase, dropDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/test-database';

const config = defaultConfig();
const CUDA = config.routing['CUDA/Kernel'];
const DAY = 86_400_000;
const now = Date.now();
let testDb: TestDatabase;
let db: Kysely<Database>;

function run(workflow: string, attemptNo: number, model: string, outcome: 'success' | 'failure', ageDays: number, extra: Partial<NewRun> = {}): NewRun {
  const at = new Date(now - ageDays * DAY).toISOString();
  return {
    task_id: `task-${workflow}`, workflow_id: workflow, workflow_run_id: `${workflow}-run`, attempt_no: attemptNo, domain: 'CUDA/Kernel', model,
    source: 'model', phase: 'TEST', outcome, error_type: outcome === 'failure' ? 'LOGIC' : null, duration_ms: 100_000, started_at: at, finished_at: at, ...extra,
  } as NewRun;
}

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_start_snapshot_test');
  db = testDb.db;
});
afterAll(async () => {
  await testDb?.drop();
});

describe('failure state of a resubmitted task', () => {
  it('counts the failed model-phase runs of the latest earlier submission only', async () => {
    const task = { task_id: 'resubmitted' };
    await db.insertInto('runs').values([
      // first submission, 10 days ago: 4 failures
      ...[1, 2, 3, 4].map((n) => run('sub-1', n, 'qwen2.5-coder:32b', 'failure', 10, { ...task, error_type: 'COMPILATION' })),
      // second submission, 2 days ago: one RUNTIME failure, a success, then an optimization-phase failure and a manual run
      run('sub-2', 1, 'qwen2.5-coder:32b', 'failure', 2.003, { ...task, error_type: 'RUNTIME' }),
      run('sub-2', 2, 'qwen2.5-coder:32b', 'success', 2.002, task),
      run('sub-2', 3, 'qwen2.5-coder:32b', 'failure', 2.001, { ...task, error_type: 'PERFORMANCE', phase: 'PROFILE' }),
    ]).execute();
    const { loadMetaSnapshot } = createMetaActivities({ db });
    const snapshot = await loadMetaSnapshot({ taskId: 'resubmitted', domain: 'CUDA/Kernel', chain: CUDA, settings: config, workflowId: 'sub-3' });
    expect(snapshot).toMatchObject({ earlierFailures: 1, lastErrorType: 'RUNTIME' });
    // The asking workflow's own runs are not an earlier submission.
    const own = await loadMetaSnapshot({ taskId: 'resubmitted', domain: 'CUDA/Kernel', chain: CUDA, settings: config, workflowId: 'sub-2' });
    expect(own).toMatchObject({ earlierFailures: 4, lastErrorType: 'COMPILATION' });
  });

  it('a submission whose failures were all manual has no model failures', async () => {
    await db.insertInto('runs').values([
      run('man-1', 1, 'qwen2.5-coder:32b', 'failure', 1, { task_id: 'manual-only', source: 'manual' }),
    ]).execute();
    const { loadMetaSnapshot } = createMetaActivities({ db });
    expect(await loadMetaSnapshot({ taskId: 'manual-only', domain: 'CUDA/Kernel', chain: CUDA, settings: config })).toMatchObject({ earlierFailures: 0, lastErrorType: null });
  });
});

describe('what the learning counts', () => {
  it('success rates come from model-phase runs: optimization-phase and manual runs are left out', async () => {
    const models = await modelAggregates(db, new Date(now), 30, 'CUDA/Kernel');
    const qwen = models.find((m) => m.model === 'qwen2.5-coder:32b')!;
    // model phase: sub-1 4 failures, sub-2 one failure + one success (its attempt 3 is optimization; man-1 is manual)
    expect(qwen).toMatchObject({ runs: 6, successes: 1 });
    const rollup = await sql<{ source: string; runs: string }>`
      select source, sum(runs) as runs from run_stats_daily where domain = 'CUDA/Kernel' group by source order by source`.execute(db);
    expect(rollup.rows.map((r) => [r.source, Number(r.runs)])).toEqual([['manual', 1], ['model', 6], ['optimization', 1]]);
  });

  it('learned run times: the median of the newest model-phase runs per model', async () => {
    await db.insertInto('runs').values([
      ...[300, 500, 700, 900, 400].map((s, i) => run(`r1-${i}`, 1, 'deepseek-r1:32b', 'success', 1, { duration_ms: s * 1000 })),
    ]).execute();
    const times = await learnedRunTimes(db, 'CUDA/Kernel', CUDA);
    expect(times['deepseek-r1:32b']).toEqual({ medianSeconds: 500, samples: 5 });
    expect(times['qwen2.5-coder:32b']).toEqual({ medianSeconds: 100, samples: 6 });
    expect(times['qwen2.5:32b']).toBeUndefined();
  });
});

describe('the start decision from a snapshot, recorded', () => {
  it('a poor but cheap head (1 of 6, learned 100 s a run) keeps the start against deepseek-r1:32b (5 of 5, 500 s), and the record says why', async () => {
    const { loadMetaSnapshot, recordStartDecision } = createMetaActivities({ db });
    const snapshot = await loadMetaSnapshot({ taskId: 'fresh', domain: 'CUDA/Kernel', chain: CUDA, settings: config, workflowId: 'fresh-wf' });
    const decision = decideTaskStart(
      { domain: 'CUDA/Kernel', domainChain: CUDA, models: snapshot.models!, runTimes: snapshot.runTimes!, bias: snapshot.bias, complexity: { score: 0.5, matched: [] }, failureState: 0.6 },
      { ...config, start_exploration: { ...config.start_exploration, enabled: false } },
      [],
    );
    // head: Beta(1+1, 1+5), mean 0.25: 100 s x 1.75 runs + 0.5625 x C(deepseek-r1) (~590 s) ~ 470 s < ~590 s
    expect(decision.model).toBe('qwen2.5-coder:32b');
    expect(decision.summary).toMatch(/^start qwen2\.5-coder:32b: expected 4\d\d s vs 5\d\d s at deepseek-r1:32b; 6 runs at 0\.\d+;/);
    expect(await recordStartDecision({ taskId: 'fresh', workflowId: 'fresh-wf', workflowRunId: 'fresh-run', domain: 'CUDA/Kernel', decision, decidedAt: snapshot.takenAt })).toBe(true);
    const row = await db.selectFrom('start_decisions').selectAll().where('workflow_run_id', '=', 'fresh-run').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ start_rule: 'expected-cost', rule: 'expected-cost', model: 'qwen2.5-coder:32b' });
    expect((row.positions as { model: string }[]).map((p) => p.model)).toEqual(CUDA);
  });
});

describe('migration 2026-11-29T1100 on a history recorded before it', () => {
  it('files the optimization-phase runs already in the rollup apart, and down restores the old rollup', async () => {
    const url = testDatabaseUrl('kisystem_migration_1100');
    await ensureDatabase(url);
    const old = openDatabase(url);
    try {
      const migrator = migratorFor(old);
      expect((await migrator.migrateTo('2026-11-28T0400-profiles')).error).toBeUndefined();
      await old.insertInto('runs').values([
        run('m-1', 1, 'qwen2.5-coder:32b', 'failure', 3),
        run('m-1', 2, 'qwen2.5-coder:32b', 'success', 3),
        run('m-1', 3, 'qwen2.5-coder:32b', 'failure', 3, { phase: 'PROFILE', error_type: 'PERFORMANCE' }),
      ]).execute();
      const sources = async () =>
        (await sql<{ source: string; runs: string }>`select source, sum(runs) as runs from run_stats_daily group by source order by source`.execute(old)).rows.map((r) => [r.source, Number(r.runs)]);
      expect(await sources()).toEqual([['model', 3]]);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await sources()).toEqual([['model', 2], ['optimization', 1]]);
      expect((await migrator.migrateTo('2026-11-28T0400-profiles')).error).toBeUndefined();
      expect(await sources()).toEqual([['model', 3]]);
    } finally {
      await old.destroy();
      await dropDatabase(url);
    }
  });
});
