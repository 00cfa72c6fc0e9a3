/** The learning history on a real PostgreSQL: created, migrated, and a run written exactly once. */
import type { Kysely } from 'kysely';
import { createLearningActivities } from '../../activities/learning';
import type { RecordRunInput } from '../../contracts/activity-types';
import { DatabaseUnavailableError, ensureDatabase, migrate } from '../../db/database';
import { runsOfTask, runsOfWorkflow } from '../../db/runs-repository';
import type { Database } from '../../db/tables';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

let testDb: TestDatabase;
let db: Kysely<Database>;
let url: string;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_db_test');
  ({ db, url } = testDb);
});

afterAll(async () => {
  await testDb?.drop();
});

function run(attemptNo: number, overrides: Partial<RecordRunInput> = {}): RecordRunInput {
  return {
    taskId: 'vector-add', workflowId: 'wf-1', workflowRunId: 'run-1', attemptNo, domain: 'CUDA/Kernel', model: 'qwen2.5-coder:32b',
    source: 'model', phase: 'TEST', outcome: 'failure', errorType: 'LOGIC', severity: 2, recoverable: true, rule: 'verdict-fail',
    firstErrorLine: 'KISYSTEM_VERDICT: FAIL', hint: 'fix it', decision: 'retry', llmMs: 1200.4, buildMs: 800, testMs: 300,
    startedAt: '2026-11-28T10:00:00.000Z', finishedAt: '2026-11-28T10:00:03.000Z', host: 'gpu-1', code: '__global__ void k() {}', output: 'out',
    ...overrides,
  };
}

describe('learning history', () => {
  it('migrates idempotently and creates a missing database once', async () => {
    await expect(migrate(db)).resolves.toEqual([]);
    await expect(ensureDatabase(url)).resolves.toBeUndefined();
  });

  it('writes a run exactly once, even when the activity is retried', async () => {
    const { recordRun } = createLearningActivities({ db });
    expect(await recordRun(run(1))).toBe(true);
    expect(await recordRun(run(1))).toBe(false);
    expect(await recordRun(run(2, { outcome: 'success', errorType: null, severity: null, decision: null }))).toBe(true);
    const rows = await runsOfWorkflow(db, 'wf-1');
    expect(rows.map((r) => [r.attempt_no, r.outcome, r.duration_ms])).toEqual([
      [1, 'failure', 2300],
      [2, 'success', 2300],
    ]);
    expect(rows[0]).toMatchObject({ task_id: 'vector-add', domain: 'CUDA/Kernel', model: 'qwen2.5-coder:32b', error_type: 'LOGIC', severity: 2, host: 'gpu-1', llm_ms: 1200 });
    expect(rows[0]!.finished_at.toISOString()).toBe('2026-11-28T10:00:03.000Z');
    expect(await runsOfTask(db, 'vector-add')).toHaveLength(2);
  });

  it('keeps runs of another execution with the same workflow id apart', async () => {
    const { recordRun } = createLearningActivities({ db });
    expect(await recordRun(run(1, { workflowRunId: 'run-2' }))).toBe(true);
    expect(await runsOfWorkflow(db, 'wf-1')).toHaveLength(3);
  });

  it('refuses a severity outside 1..5 (the schema guards the history)', async () => {
    const { recordRun } = createLearningActivities({ db });
    await expect(recordRun(run(9, { severity: 7 }))).rejects.toThrow(/check constraint/);
  });

  it('says clearly when PostgreSQL cannot be reached', async () => {
    await expect(ensureDatabase('postgres://postgres@127.0.0.1:9/kisystem')).rejects.toThrow(DatabaseUnavailableError);
    await expect(ensureDatabase('postgres://postgres@127.0.0.1:9/kisystem')).rejects.toThrow(/cannot reach the learning history at postgres:\/\/postgres@127\.0\.0\.1:9\/kisystem/);
  });
});

