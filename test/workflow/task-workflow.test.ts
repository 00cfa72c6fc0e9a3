/**
 * The task workflow on a real Temporal dev server, with scripted activities: stop-loss escalation,
 * severity escalation, the manual fallback, and infrastructure faults that never count against a model.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { giveUpUpdate, stateQuery, submitSolutionUpdate, type TaskResult, type TaskWorkflowInput } from '../../contracts/task-messages';
import { CURRENT_MODEL, ESCALATIONS, STATUS } from '../../contracts/search-attributes';
import { createScriptedActivities, fence, type ScriptedWorld } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { cudaTask, useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { createMetaActivities } from '../../activities/meta';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { importLearningFile } from '../../db/learning-io';
import type { Database } from '../../db/tables';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

jest.setTimeout(120_000);

const env = useTestServer();


const cppTask: ResolvedTask = { ...cudaTask, id: 'queue', title: 'Bounded queue', goal: 'Write a bounded queue.', domain: 'C++/System', language: 'cpp', solution_file: 'queue.cpp', harnessFiles: [{ path: 'harness.cpp', content: '// harness' }] };


interface Run {
  result: Promise<TaskResult>;
  workflowId: string;
  scripted: ReturnType<typeof createScriptedActivities>;
}

/** Starts a worker with scripted activities and one task workflow; the worker stops with the test. */
async function runTask(
  task: ResolvedTask,
  world: Omit<ScriptedWorld, 'hostQueue'>,
  config = workflowTestConfig(),
  during?: (workflowId: string) => Promise<void>,
  realActivities: Record<string, (...args: never[]) => Promise<unknown>> = {},
): Promise<Run & { outcome: TaskResult | Error }> {
  const taskQueue = uniqueName('wf-test');
  const scripted = createScriptedActivities({ ...world, hostQueue: taskQueue });
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...scripted.activities, ...realActivities },
  });
  const workflowId = uniqueName(task.id);
  const input: TaskWorkflowInput = { task, config, queues: { gpu: taskQueue, cuda: taskQueue } };
  return worker.runUntil(async () => {
    const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] });
    if (during) await during(workflowId);
    const result = handle.result() as Promise<TaskResult>;
    const outcome = await result.catch((e: Error) => e);
    return { result, workflowId, scripted, outcome };
  });
}

describe('task workflow', () => {
  it("follows the guide's example flow: qwen2.5-coder:32b fails twice at test, deepseek-r1:32b succeeds", async () => {
    const run = await runTask(cudaTask, {
      replies: {
        'qwen2.5-coder:32b': [fence('WRONG 1', 'cuda'), fence('WRONG 2', 'cuda')],
        'deepseek-r1:32b': ['<think>maybe\n```cuda\nWRONG\n```\n</think>\n' + fence('OK', 'cuda')],
      },
    });
    const result = run.outcome as TaskResult;
    expect(result.status).toBe('succeeded');
    expect(result.winningModel).toBe('deepseek-r1:32b');
    expect(result.escalationPath).toEqual(['qwen2.5-coder:32b', 'deepseek-r1:32b']);
    expect(result.runs.map((r) => [r.model, r.outcome, r.phase])).toEqual([
      ['qwen2.5-coder:32b', 'failure', 'TEST'],
      ['qwen2.5-coder:32b', 'failure', 'TEST'],
      ['deepseek-r1:32b', 'success', 'TEST'],
    ]);
    expect(result.runs.map((r) => r.decision?.kind ?? null)).toEqual(['retry', 'escalate', null]);
    expect(result.escalations).toEqual([expect.objectContaining({ afterAttempt: 2, from: 'qwen2.5-coder:32b', to: 'deepseek-r1:32b', rule: 'stoploss' })]);
    expect(result.finalCode).toEqual([{ path: 'matmul.cu', content: 'OK\n' }]);
    // Every run is in the history once, with its categorization.
    expect(run.scripted.recorded.map((r) => [r.attemptNo, r.model, r.outcome, r.errorType])).toEqual([
      [1, 'qwen2.5-coder:32b', 'failure', 'LOGIC'],
      [2, 'qwen2.5-coder:32b', 'failure', 'LOGIC'],
      [3, 'deepseek-r1:32b', 'success', null],
    ]);
    // The second prompt carries the failure of the first; the escalated model's first prompt the last failure.
    expect(run.scripted.generated[1]!.messages[1]!.content).toContain('KISYSTEM_VERDICT: FAIL');
    expect(run.scripted.generated[2]!.modelAttempt).toBe(1);
    // The Web UI's list can be filtered by the search attributes.
    const description = await env().client.workflow.getHandle(run.workflowId).describe();
    expect(description.typedSearchAttributes.get(CURRENT_MODEL)).toBe('deepseek-r1:32b');
    expect(description.typedSearchAttributes.get(STATUS)).toBe('succeeded');
    expect(description.typedSearchAttributes.get(ESCALATIONS)).toBe(1);
  });

  it('escalates at once on severity 5 (a file size limit hit)', async () => {
    const run = await runTask(cudaTask, {
      replies: { 'qwen2.5-coder:32b': [fence('XFSZ', 'cuda')], 'deepseek-r1:32b': [fence('OK', 'cuda')] },
    });
    const result = run.outcome as TaskResult;
    expect(result.status).toBe('succeeded');
    expect(result.runs).toHaveLength(2);
    expect(result.runs[0]!.categorization).toMatchObject({ severity: 5, errorType: 'RUNTIME' });
    expect(result.escalations[0]).toMatchObject({ afterAttempt: 1, rule: 'severity' });
  });

  it('refuses a reply that names a file outside the run folder and moves on at once', async () => {
    const evil = 'Sure.\n```cpp\n// file: ../../etc/cron.d/x\nOK\n```\n';
    const run = await runTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [evil], 'qwen2.5-coder:32b': [fence('OK')] } });
    const result = run.outcome as TaskResult;
    expect(result.winningModel).toBe('qwen2.5-coder:32b');
    expect(result.runs[0]!.categorization).toMatchObject({ phase: 'GENERATE', severity: 5, rule: 'unsafe-file-name' });
    expect(run.scripted.calls.buildCandidate).toBe(1);
  });

  it('goes to the manual fallback at the end of the chain, and a person resolves it', async () => {
    const config = workflowTestConfig({ stoploss_per_model: 1 });
    const run = await runTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [fence('WRONG')], 'qwen2.5-coder:32b': [fence('SYNTAX')], 'deepseek-r1:32b': [fence('SEGV')] } }, config, async (workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await waitFor(async () => (await handle.query(stateQuery)).status === 'waiting_for_person');
      const state = await handle.query(stateQuery);
      expect(state.fallback?.reason).toContain('last model of the chain');
      expect((await handle.describe()).typedSearchAttributes.get(STATUS)).toBe('waiting_for_person');
      const refused = await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: '   ' }] }).catch((e: Error) => e);
      expect((refused as Error & { cause?: Error }).cause?.message).toMatch(/non-empty/);
      const bad = await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: 'WRONG by hand' }] });
      expect(bad).toMatchObject({ attemptNo: 4, outcome: 'failure' });
      const good = await handle.executeUpdate(submitSolutionUpdate, { args: [{ code: 'OK by hand', author: 'ada' }] });
      expect(good).toMatchObject({ attemptNo: 5, outcome: 'success' });
    });
    const result = run.outcome as TaskResult;
    expect(result.status).toBe('succeeded');
    expect(result.winningModel).toBe('manual');
    expect(result.escalationPath).toEqual(['deepseek-coder-v2:16b', 'qwen2.5-coder:32b', 'deepseek-r1:32b', 'manual']);
    expect(result.runs.map((r) => r.decision?.kind ?? null)).toEqual(['escalate', 'escalate', 'fallback', null, null]);
    expect(result.finalCode).toEqual([{ path: 'queue.cpp', content: 'OK by hand' }]);
    expect(run.scripted.recorded.filter((r) => r.source === 'manual')).toHaveLength(2);
  });

  it('lets a person give up at the fallback', async () => {
    const config = workflowTestConfig({ stoploss_per_model: 1, routing: { 'C++/System': ['only-model'] } });
    const run = await runTask(cppTask, { replies: { 'only-model': [fence('WRONG')] } }, config, async (workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await waitFor(async () => (await handle.query(stateQuery)).status === 'waiting_for_person');
      await handle.executeUpdate(giveUpUpdate, { args: ['not worth it'] });
    });
    expect(run.outcome).toMatchObject({ status: 'gave_up', message: 'a person gave up: not worth it', winningModel: null });
  });

  it('ends as exhausted when nobody answers before the fallback deadline', async () => {
    const config = workflowTestConfig({ stoploss_per_model: 1, routing: { 'C++/System': ['only-model'] }, timeouts: { manual_fallback: 2, heartbeat: 10 } });
    const run = await runTask(cppTask, { replies: { 'only-model': [fence('WRONG')] } }, config);
    expect(run.outcome).toMatchObject({ status: 'exhausted', winningModel: null });
  });

  it('ends the task as the task\'s fault when its own harness does not compile, charging no model', async () => {
    const run = await runTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [fence('HARNESS_BROKEN')] } }, workflowTestConfig({ timeouts: { manual_fallback: 1, heartbeat: 10 } }));
    expect(run.outcome).toBeInstanceOf(WorkflowFailedError);
    expect((run.outcome as WorkflowFailedError).cause).toMatchObject({ type: 'TaskBroken', message: expect.stringContaining('the task is broken, not the answer') });
    expect(run.scripted.recorded).toHaveLength(0);
  });

  it('retries infrastructure faults without counting them against the model', async () => {
    const run = await runTask(cppTask, {
      replies: { 'deepseek-coder-v2:16b': [fence('OK')] },
      faults: {
        generateCode: { times: 1, type: 'LlmUnavailable' },
        buildCandidate: { times: 2, type: 'CompilerMissing' },
        recordRun: { times: 1, type: 'DatabaseUnavailable' },
      },
    });
    const result = run.outcome as TaskResult;
    expect(result.status).toBe('succeeded');
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]).toMatchObject({ attemptNo: 1, model: 'deepseek-coder-v2:16b', outcome: 'success' });
    expect(run.scripted.calls).toMatchObject({ generateCode: 2, buildCandidate: 3, recordRun: 2 });
    expect(run.scripted.recorded).toHaveLength(1);
  });

  it('fails the task with a clear reason when an infrastructure fault outlasts its retries, recording no run', async () => {
    const run = await runTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [fence('OK')] }, faults: { buildCandidate: { times: 99, type: 'CompilerMissing' } } }, workflowTestConfig({ retry_build: 1 }));
    expect(run.outcome).toBeInstanceOf(WorkflowFailedError);
    const cause = (run.outcome as WorkflowFailedError).cause as Error;
    expect(cause.message).toMatch(/infrastructure fault during run #1 with deepseek-coder-v2:16b.*CompilerMissing/);
    expect(run.scripted.calls.buildCandidate).toBe(2);
    expect(run.scripted.recorded).toHaveLength(0);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // the workflow may not have answered its first query yet
    }
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}


describe('start decision (Meta-Supervisor and hybrid decision)', () => {
  let testDb: TestDatabase;
  let db: Kysely<Database>;

  beforeAll(async () => {
    testDb = await createTestDatabase('kisystem_wf_meta');
    db = testDb.db;
    // deepseek-r1:32b: 6 CUDA runs, 5 passed, 2 days ago: weighted rate 0.83 >= 0.65 with >= 5 runs.
    const dir = tempDir('kisystem-wf-history-');
    const finished = new Date(Date.now() - 2 * 86_400_000).toISOString();
    const lines = [0, 1, 2, 3, 4, 5].map((i) =>
      JSON.stringify({ task_id: `old-${i}`, workflow_run_id: `old-run-${i}`, domain: 'CUDA/Kernel', model: 'deepseek-r1:32b', outcome: i < 5 ? 'success' : 'failure', finished_at: finished }),
    );
    writeFileSync(join(dir, 'history.jsonl'), lines.join('\n'));
    const report = await importLearningFile(db, join(dir, 'history.jsonl'));
    expect(report.imported).toBe(6);
  });

  afterAll(async () => {
    removeTempDirs();
    await testDb?.drop();
  });

  const replies = { 'qwen2.5-coder:32b': [fence('OK', 'cuda')], 'deepseek-r1:32b': [fence('OK', 'cuda')] };

  it('start_rule "guide": starts a new CUDA task on deepseek-r1:32b when the history says it qualifies, and stores the decision', async () => {
    const run = await runTask(cudaTask, { replies }, workflowTestConfig({ start_rule: 'guide' }), undefined, createMetaActivities({ db }));
    const result = run.outcome as TaskResult;
    expect(result.runs.map((r) => r.model)).toEqual(['deepseek-r1:32b']);
    const stored = await db.selectFrom('start_decisions').selectAll().where('workflow_id', '=', run.workflowId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ model: 'deepseek-r1:32b', rule: 'bias', bias_model: 'deepseek-r1:32b', bias_runs: 6, meta_enabled: true });
    expect(stored.bias_confidence).toBeCloseTo(5 / 6, 6);
    expect(stored.summary).toMatch(/^start deepseek-r1:32b: bias 0\.833 \(6 runs\)/);
  });

  it('starts at the head of the chain with enable_meta_supervisor: false (Phase 6 behaviour)', async () => {
    const run = await runTask(cudaTask, { replies }, workflowTestConfig({ enable_meta_supervisor: false }), undefined, createMetaActivities({ db }));
    expect((run.outcome as TaskResult).runs.map((r) => r.model)).toEqual(['qwen2.5-coder:32b']);
    const stored = await db.selectFrom('start_decisions').selectAll().where('workflow_id', '=', run.workflowId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ rule: 'static-chain-head', bias_model: null, meta_enabled: false });
  });

  it("start_rule \"guide\": jumps ahead in the chain on the guide's hybrid example: bias 0.91 (15 runs), complexity 1.0, failure 0.7 -> 0.874", async () => {
    const fft: ResolvedTask = { ...cudaTask, goal: 'FFT: a __global__ kernel launched with <<<...>>>, __shared__ memory, __syncthreads, checked against cufft.' };
    const run = await runTask(fft, {
      replies,
      snapshot: { bias: { domain: 'CUDA/Kernel', model: 'qwen2.5-coder:32b', weightedSuccessRate: 0.91, runs: 15 }, earlierFailures: 1, lastErrorType: 'RUNTIME' },
    }, workflowTestConfig({ start_rule: 'guide' }));
    expect((run.outcome as TaskResult).runs.map((r) => r.model)).toEqual(['deepseek-r1:32b']);
    expect(run.scripted.startDecisions[0]!.decision).toMatchObject({ rule: 'hybrid-jump', finalScore: 0.874, summary: 'start deepseek-r1:32b: bias 0.91 (15 runs), complexity 1.0, failure 0.7 -> 0.874' });
  });
});
