/**
 * `kisystem stats`: whether the learning pays, on a real PostgreSQL: machine time per
 * task and recovered % of the last 30 days against the 30 before; how often the start moved past
 * the chain head and whether that start then solved the task.
 */
import type { Kysely } from 'kysely';
import { domainPeriods, startMoves } from '../../db/learning-pays';
import type { Database, NewRun } from '../../db/tables';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const DAY = 86_400_000;
const now = new Date();
const CUDA = ['qwen2.5-coder:32b', 'deepseek-r1:32b', 'deepseek-coder-v2:16b', 'qwen2.5:32b'];
let testDb: TestDatabase;
let db: Kysely<Database>;

function run(wf: string, attemptNo: number, model: string, outcome: 'success' | 'failure', ageDays: number, seconds: number, source = 'model'): NewRun {
  const at = new Date(now.getTime() - ageDays * DAY).toISOString();
  return { task_id: wf, workflow_id: wf, workflow_run_id: wf, attempt_no: attemptNo, domain: 'CUDA/Kernel', model, source, phase: 'TEST', outcome, duration_ms: seconds * 1000, started_at: at, finished_at: at } as NewRun;
}

function decision(wf: string, model: string, startRule: string) {
  return {
    task_id: wf, workflow_id: wf, workflow_run_id: wf, domain: 'CUDA/Kernel', model, rule: 'expected-cost', meta_enabled: true, bias_model: null, bias_confidence: null, bias_runs: null,
    meta_score: 0.5, complexity: 0.5, failure_state: 0.6, final_score: 0.53, score_model: 'deepseek-coder-v2:16b', chain: CUDA, summary: 's', decided_at: now.toISOString(), start_rule: startRule,
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_learning_pays_test');
  db = testDb.db;
  await db.insertInto('runs').values([
    // 40 days ago: two tasks; one solved after 3 runs of 500 s, one exhausted (2 x 500 s) and solved by hand
    run('old-1', 1, 'qwen2.5-coder:32b', 'failure', 40, 500), run('old-1', 2, 'qwen2.5-coder:32b', 'failure', 40, 500), run('old-1', 3, 'deepseek-r1:32b', 'success', 40, 500),
    run('old-2', 1, 'qwen2.5-coder:32b', 'failure', 41, 500), run('old-2', 2, 'qwen2.5-coder:32b', 'failure', 41, 500), run('old-2', 3, 'manual', 'success', 41, 1, 'manual'),
    // last 30 days: two tasks, both solved at once (200 s and 400 s)
    run('new-1', 1, 'deepseek-coder-v2:16b', 'success', 5, 200),
    run('new-2', 1, 'qwen2.5-coder:32b', 'success', 6, 400),
  ]).execute();
  await db.insertInto('start_decisions').values([
    decision('new-1', 'deepseek-coder-v2:16b', 'expected-cost'), // moved, solved by the start model
    decision('new-2', 'qwen2.5-coder:32b', 'expected-cost'), // head, solved
    decision('old-1', 'deepseek-r1:32b', 'guide'), // moved, solved
    decision('old-2', 'deepseek-r1:32b', 'guide'), // moved, not solved by it
  ]).execute();
});
afterAll(async () => {
  await testDb?.drop();
});

it('machine time per task and recovered %: last 30 days against the 30 before', async () => {
  expect(await domainPeriods(db, now)).toEqual([
    { domain: 'CUDA/Kernel', period: 'last 30 days', tasks: 2, meanMachineSeconds: 300, recovered: 1 },
    { domain: 'CUDA/Kernel', period: '30 days before', tasks: 2, meanMachineSeconds: 1250, recovered: 0.5 },
  ]);
});

it('how often the start rule moved the start, and whether that start solved the task', async () => {
  expect(await startMoves(db)).toEqual([
    { startRule: 'expected-cost', starts: 2, moved: 1, movedSolved: 1, atHead: 1, headSolved: 1 },
    { startRule: 'guide', starts: 2, moved: 2, movedSolved: 1, atHead: 0, headSolved: 0 },
  ]);
});
