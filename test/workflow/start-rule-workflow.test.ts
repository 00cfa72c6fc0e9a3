/**
 * The "expected-cost" start on a real Temporal dev server with a seeded history in a real
 * PostgreSQL: the head of the CUDA chain solved 2 of 20 runs, deepseek-coder-v2:16b 19
 * of 20 at 200 s a run; a new CUDA task starts at deepseek-coder-v2:16b, the decision is stored with
 * its rule and positions, and the history replays (the exploration draws come from the workflow's
 * seeded random).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createMetaActivities } from '../../activities/meta';
import { importLearningFile } from '../../db/learning-io';
import type { Database } from '../../db/tables';
import type { StartPosition } from '../../policy/rules/hybrid-decision';
import type { TaskResult, TaskWorkflowInput } from '../../contracts/task-messages';
import { createScriptedActivities, fence } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { cudaTask, useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(120_000);
const env = useTestServer();
const dir = mkdtempSync(join(tmpdir(), 'kisystem-start-rule-'));
let testDb: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_wf_start_rule');
  db = testDb.db;
  const finished = (i: number) => new Date(Date.now() - (1 + i / 10) * 86_400_000).toISOString();
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    lines.push(JSON.stringify({ task_id: `h-${i}`, workflow_run_id: `h-run-${i}`, attempt_no: 1, domain: 'CUDA/Kernel', model: 'qwen2.5-coder:32b', outcome: i < 2 ? 'success' : 'failure', duration_ms: 480_000, finished_at: finished(i) }));
    lines.push(JSON.stringify({ task_id: `d-${i}`, workflow_run_id: `d-run-${i}`, attempt_no: 1, domain: 'CUDA/Kernel', model: 'deepseek-coder-v2:16b', outcome: i < 19 ? 'success' : 'failure', duration_ms: 200_000, finished_at: finished(i) }));
  }
  writeFileSync(join(dir, 'history.jsonl'), lines.join('\n'));
  expect((await importLearningFile(db, join(dir, 'history.jsonl'))).imported).toBe(40);
});

afterAll(async () => {
  await testDb?.drop();
  rmSync(dir, { recursive: true, force: true });
});

it('starts a new CUDA task at deepseek-coder-v2:16b by expected cost, stores why, and replays', async () => {
  const taskQueue = uniqueName('wf-start-rule');
  const scripted = createScriptedActivities({ replies: { 'deepseek-coder-v2:16b': [fence('OK', 'cuda')], 'qwen2.5-coder:32b': [fence('OK', 'cuda')] }, hostQueue: taskQueue });
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...scripted.activities, ...createMetaActivities({ db }) },
  });
  const workflowId = uniqueName('start-rule');
  const config = workflowTestConfig();
  expect(config.start_rule).toBe('expected-cost');
  const input: TaskWorkflowInput = { task: cudaTask, config, queues: { gpu: taskQueue, cuda: taskQueue } };
  const result = await worker.runUntil(async () => {
    const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] });
    return (await handle.result()) as TaskResult;
  });

  expect(result.runs.map((r) => r.model)).toEqual(['deepseek-coder-v2:16b']);
  expect(result.start).toMatchObject({ startRule: 'expected-cost', rule: 'expected-cost', model: 'deepseek-coder-v2:16b', startIndex: 2 });
  const stored = await db.selectFrom('start_decisions').selectAll().where('workflow_id', '=', workflowId).executeTakeFirstOrThrow();
  expect(stored).toMatchObject({ start_rule: 'expected-cost', rule: 'expected-cost', model: 'deepseek-coder-v2:16b' });
  expect(stored.summary).toMatch(/^start deepseek-coder-v2:16b: expected \d+ s vs \d+ s at qwen2\.5-coder:32b; 20 runs at 0\.95\d*; hybrid 0\.\d+ -> deepseek-r1:32b \(recorded only\)$/);
  const positions = stored.positions as StartPosition[];
  expect(positions.map((p) => [p.model, p.runs, p.allowed])).toEqual([
    ['qwen2.5-coder:32b', 20, true],
    ['deepseek-r1:32b', 0, false],
    ['deepseek-coder-v2:16b', 20, true],
    ['qwen2.5:32b', 0, false],
  ]);
  expect(positions[2]!.runSecondsSource).toBe('history: median of 20 runs');

  const history = await env().client.workflow.getHandle(workflowId).fetchHistory();
  await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId)).resolves.toBeUndefined();
});
