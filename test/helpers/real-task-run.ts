/**
 * One task workflow to its end on a real Temporal dev server with the real host (g++, unsandboxed
 * here), learning and meta activities on a real Postgres database; only the model is scripted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createHostActivities } from '../../activities/build-test';
import { createLearningActivities } from '../../activities/learning';
import { createMetaActivities } from '../../activities/meta';
import type { TaskResult, TaskWorkflowInput } from '../../contracts/task-messages';
import type { Database } from '../../db/tables';
import type { KisystemConfig } from '../../policy/schemas/config-schema';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { createScriptedActivities, fence } from './scripted-activities';
import { TWICE_CHECKER, TWICE_HARNESS } from './sandboxed-host';
import { uniqueName, workflowBundle } from './temporal-env';
import { createTestDatabase, type TestDatabase } from './test-database';
import { useTestServer, workflowTestConfig } from './workflow-test-env';

/** The answer every scripted model gives to the twice task. */
export const TWICE = 'int twice(int x) { return 2 * x; }\n';

/** The tiny checked task (tests/helpers/sandboxed-host.ts): twice(x), judged by a trusted checker. */
export const twiceTask: ResolvedTask = {
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

export interface RealRun {
  outcome: TaskResult | Error;
  workflowId: string;
  /** How many times the model was asked. */
  generated: number;
}

export async function runRealTask(
  env: TestWorkflowEnvironment,
  db: Kysely<Database>,
  workRoot: string,
  task: ResolvedTask,
  config: KisystemConfig = workflowTestConfig({ timeouts: { manual_fallback: 1, heartbeat: 10 } }),
  answer = TWICE,
): Promise<RealRun> {
  const taskQueue = uniqueName('real-task');
  // Every model of every chain gives the same answer: the task's wiring decides, not the model.
  const models = [...new Set(Object.values(config.routing).flat())];
  const scripted = createScriptedActivities({ replies: Object.fromEntries(models.map((m) => [m, [fence(answer)]])), hostQueue: taskQueue });
  const host = createHostActivities({ workRoot, capabilities: { hostId: 'real-task-host', hostQueue: taskQueue, gxx: 'g++', nvcc: null, gpus: [], ncu: null, nsysWorks: false } });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { generateCode: scripted.activities.generateCode, ...createLearningActivities({ db }), ...createMetaActivities({ db }), ...host },
  });
  const workflowId = uniqueName(task.id);
  const input: TaskWorkflowInput = { task, config, queues: { gpu: taskQueue, cuda: taskQueue } };
  const outcome = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] });
    return (handle.result() as Promise<TaskResult>).catch((e: Error) => e);
  });
  return { outcome, workflowId, generated: scripted.generated.length };
}

/** A test file's world: a dev server, a database and a run-folder root of its own, removed after the file; `run` runs one task in it. */
export function useRealTaskWorld(name: string) {
  const env = useTestServer();
  let testDb: TestDatabase | undefined;
  let workRoot: string | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase(`kisystem_${name.replace(/-/g, '_')}`);
    workRoot = mkdtempSync(join(tmpdir(), `kisystem-${name}-`));
  });
  afterAll(async () => {
    await testDb?.drop();
    if (workRoot) rmSync(workRoot, { recursive: true, force: true });
  });
  const db = () => testDb!.db;
  return { db, run: (task: ResolvedTask, config?: KisystemConfig) => runRealTask(env(), db(), workRoot!, task, config) };
}
