/**
 * Only the answer is charged to a model, on a real Temporal dev server, a real Postgres database and
 * real g++: a task whose own files break the build (two harness files with a main() each), whose
 * checker does not build, or whose wiring is wrong (a task started without `submit`) ends as
 * TaskBroken with the reason, and no run lands in the learning history. The same task with its
 * files fixed records the answer's run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createHostActivities } from '../../activities/build-test';
import { createLearningActivities } from '../../activities/learning';
import { createMetaActivities } from '../../activities/meta';
import type { TaskResult, TaskWorkflowInput } from '../../contracts/task-messages';
import { runsOfWorkflow } from '../../db/runs-repository';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { createScriptedActivities, fence } from '../helpers/scripted-activities';
import { TWICE_CHECKER, TWICE_HARNESS } from '../helpers/sandboxed-host';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const env = useTestServer();
let testDb: TestDatabase;
let workRoot: string;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_task_fault');
  workRoot = mkdtempSync(join(tmpdir(), 'kisystem-task-fault-'));
});
afterAll(async () => {
  await testDb?.drop();
  if (workRoot) rmSync(workRoot, { recursive: true, force: true });
});

const TWICE = 'int twice(int x) { return 2 * x; }\n';

const task: ResolvedTask = {
  id: 'twice',
  title: 'Twice',
  domain: 'C++/System',
  domainReason: 'given in the task file',
  language: 'cpp',
  goal: 'Write twice.cpp: int twice(int x) returns 2 * x.',
  solution_file: 'twice.cpp',
  harnessFiles: [
    { path: 'harness.cpp', content: TWICE_HARNESS },
    { path: 'checker.cpp', content: TWICE_CHECKER },
  ],
  interfaceFiles: [],
  build: { flags: ['-std=c++17', '-O1'], output: 'candidate' },
  test: { command: ['./candidate'] },
  sourcePath: '/tasks/twice/task.yaml',
};

/** Runs one task to its end with the real host, learning and meta activities and a scripted model. */
async function runTask(t: ResolvedTask): Promise<{ outcome: TaskResult | Error; workflowId: string; generated: number }> {
  const taskQueue = uniqueName('task-fault');
  const scripted = createScriptedActivities({ replies: { 'deepseek-coder-v2:16b': [fence(TWICE)] }, hostQueue: taskQueue });
  const host = createHostActivities({ workRoot, capabilities: { hostId: 'task-fault-host', hostQueue: taskQueue, gxx: 'g++', nvcc: null, gpus: [], ncu: null, nsysWorks: false } });
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { generateCode: scripted.activities.generateCode, ...createLearningActivities({ db: testDb.db }), ...createMetaActivities({ db: testDb.db }), ...host },
  });
  const workflowId = uniqueName(t.id);
  const input: TaskWorkflowInput = { task: t, config: workflowTestConfig({ timeouts: { manual_fallback: 1, heartbeat: 10 } }), queues: { gpu: taskQueue, cuda: taskQueue } };
  const outcome = await worker.runUntil(async () => {
    const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] });
    return (handle.result() as Promise<TaskResult>).catch((e: Error) => e);
  });
  return { outcome, workflowId, generated: scripted.generated.length };
}

function taskBroken(outcome: TaskResult | Error): string {
  expect(outcome).toBeInstanceOf(WorkflowFailedError);
  const cause = (outcome as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe('TaskBroken');
  return cause.message;
}

describe('a task-side failure charges no model', () => {
  it('the well-wired task records the answer\'s run (the control)', async () => {
    const run = await runTask(task);
    expect(run.outcome).toMatchObject({ status: 'succeeded' });
    expect((await runsOfWorkflow(testDb.db, run.workflowId)).map((r) => [r.model, r.outcome])).toEqual([['deepseek-coder-v2:16b', 'success']]);
  });

  it('two harness files that both define main(): TaskBroken, no run recorded', async () => {
    const broken = { ...task, harnessFiles: [...task.harnessFiles, { path: 'driver.cpp', content: 'int main() { return 0; }\n' }] };
    const run = await runTask(broken);
    expect(taskBroken(run.outcome)).toMatch(/the task is broken, not the answer .*multiple definition of `main'/s);
    expect(run.generated).toBe(1);
    expect(await runsOfWorkflow(testDb.db, run.workflowId)).toEqual([]);
  });

  it('a checker that does not build: TaskBroken, no run recorded', async () => {
    const broken = { ...task, harnessFiles: [task.harnessFiles[0]!, { path: 'checker.cpp', content: `${TWICE_CHECKER}\nthis is not C++;\n` }] };
    const run = await runTask(broken);
    expect(taskBroken(run.outcome)).toContain('CheckerBuildFailed');
    expect(await runsOfWorkflow(testDb.db, run.workflowId)).toEqual([]);
  });

  it('a checker listed as interface, started without submit: refused before any model is asked', async () => {
    const miswired = { ...task, interfaceFiles: [task.harnessFiles[1]!] };
    const run = await runTask(miswired);
    expect(taskBroken(run.outcome)).toContain('/tasks/twice/task.yaml: harness.interface: checker.cpp: is the trusted checker');
    expect(run.generated).toBe(0);
    expect(await runsOfWorkflow(testDb.db, run.workflowId)).toEqual([]);
  });
});
