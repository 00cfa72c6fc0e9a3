/**
 * Every way a task ends is right, on a real Temporal dev server: `kisystem cancel` (a
 * workflow cancellation) during generation, build, test, optimization and the manual wait ends the
 * task CANCELLED, kills the build's or test's process group (real g++, real processes), and tells
 * a queue "cancelled"; a fault in the optimization phase keeps the best passing code; the status
 * (and the KisystemStatus search attribute) is true at every moment.
 */
import { readdirSync, readlinkSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createHostActivities } from '../../activities/build-test';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { stateQuery, type TaskResult, type TaskStatus, type TaskWorkflowInput } from '../../contracts/task-messages';
import { STATUS } from '../../contracts/search-attributes';
import { processEnding } from '../helpers/process-ending';
import { createScriptedActivities, fence, type ScriptedWorld } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { cudaTask, useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const env = useTestServer();

const cppTask: ResolvedTask = {
  ...cudaTask, id: 'endings', title: 'Endings', goal: 'Write a bounded queue.', domain: 'C++/System', language: 'cpp',
  solution_file: 'solution.cpp', harnessFiles: [], build: { flags: ['-std=c++17'], output: 'candidate' },
};
const benchTask: ResolvedTask = { ...cudaTask, benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'mm', reference_ms: 2 } };

/** g++ spins in constant evaluation for minutes: a build that is still running when the test cancels it. */
const SLOW_BUILD = 'constexpr long spin() { long s = 0; for (long i = 0; i < (1L << 40); i++) s += i & 1; return s; }\nstatic_assert(spin() > 0, "spin");\nint main() {}\n';
const SLOW_BUILD_FLAGS = ['-std=c++17', '-fconstexpr-loop-limit=2147483647', '-fconstexpr-ops-limit=2147483647000'];
/** A test that forks and sleeps: two processes in the test's group. */
const SLOW_TEST = '#include <unistd.h>\nint main() { fork(); sleep(600); return 0; }\n';

interface Started {
  handle: WorkflowHandle;
  scripted: ReturnType<typeof createScriptedActivities>;
  workRoot: string;
}

/** Runs `body` with a worker (scripted activities; real build and test with `realHost`) and one started task. */
async function withTask<T>(
  task: ResolvedTask,
  world: Omit<ScriptedWorld, 'hostQueue'>,
  options: { config?: ReturnType<typeof workflowTestConfig>; realHost?: boolean; notifyQueue?: TaskWorkflowInput['notifyQueue'] },
  body: (started: Started) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName('endings');
  const scripted = createScriptedActivities({ ...world, hostQueue: taskQueue });
  const workRoot = mkdtempSync(join(tmpdir(), 'kisystem-endings-'));
  const host = options.realHost
    ? createHostActivities({ workRoot, capabilities: { hostId: 'test-host', hostQueue: taskQueue, gxx: 'g++', nvcc: null, gpus: [], ncu: null, nsysWorks: false } })
    : {};
  const worker = await Worker.create({
    connection: env().nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...scripted.activities, ...host },
  });
  const input: TaskWorkflowInput = { task, config: options.config ?? workflowTestConfig(), queues: { gpu: taskQueue, cuda: taskQueue }, notifyQueue: options.notifyQueue };
  try {
    return await worker.runUntil(async () => {
      const handle = await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId: uniqueName(task.id), args: [input] });
      return body({ handle, scripted, workRoot });
    });
  } finally {
    rmSync(workRoot, { recursive: true, force: true });
  }
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`not in time: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function waitForStatus(handle: WorkflowHandle, status: TaskStatus): Promise<void> {
  await waitFor(async () => (await handle.query(stateQuery)).status === status, `status ${status}`);
  // The search attribute says the same.
  await waitFor(async () => (await handle.describe()).typedSearchAttributes.get(STATUS) === status, `KisystemStatus ${status}`);
}

/** Cancels as `kisystem cancel` does and expects the task to end CANCELLED (not FAILED). */
async function cancelAndExpectCancelled(handle: WorkflowHandle): Promise<void> {
  await handle.cancel();
  const error = await handle.result().then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
  expect((await handle.describe()).status.name).toBe('CANCELLED');
  // Every surface says cancelled: the state, the search attribute and the Web UI's details (no step left).
  expect(await handle.query(stateQuery)).toMatchObject({ status: 'cancelled', step: null });
  expect((await handle.describe()).typedSearchAttributes.get(STATUS)).toBe('cancelled');
  const metadata = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
  expect(metadata.currentDetails).toMatch(/^\*\*Status:\*\* cancelled ·/m);
  expect(metadata.currentDetails).not.toMatch(/generating|building|testing|waiting for a person/i);
}

/** Live processes (neither zombies nor already sent SIGKILL) whose working directory lies under `root`. */
function processesUnder(root: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (processEnding(Number(entry))) continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(root)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Status values in the order the workflow upserted them (the KisystemStatus search attribute's story). */
async function statusTrail(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const out: string[] = [];
  for (const event of history.events ?? []) {
    const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[STATUS.name];
    if (payload?.data) out.push(JSON.parse(Buffer.from(payload.data).toString('utf8')));
  }
  return out;
}

describe('cancellation ends a task CANCELLED', () => {
  it('during generation, and a queue that started the task is told "cancelled"', async () => {
    // The "queue": a workflow no worker runs; the notice lands in its history as a signal.
    const queueId = uniqueName('fake-queue');
    const queue = await env().client.workflow.start('queueWorkflow', { taskQueue: uniqueName('nobody'), workflowId: queueId, args: [] });
    try {
      await withTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [fence('OK')] }, delays: { generateCode: { ms: 120_000 } } }, { notifyQueue: { workflowId: queueId, key: 'k1' } }, async ({ handle, scripted }) => {
        await waitForStatus(handle, 'generating');
        await cancelAndExpectCancelled(handle);
        expect(scripted.recorded).toHaveLength(0);
        const signals = ((await queue.fetchHistory()).events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
        expect(signals).toHaveLength(1);
        const notice = JSON.parse(Buffer.from(signals[0]!.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!.data!).toString('utf8'));
        expect(notice).toMatchObject({ key: 'k1', workflowId: handle.workflowId, status: 'cancelled' });
      });
    } finally {
      await queue.terminate('test over').catch(() => undefined);
    }
  });

  it('during a real build: g++ and its compiler process are killed', async () => {
    const task = { ...cppTask, build: { flags: SLOW_BUILD_FLAGS, output: 'candidate' } };
    await withTask(task, { replies: { 'deepseek-coder-v2:16b': [fence(SLOW_BUILD)] } }, { realHost: true }, async ({ handle, workRoot, scripted }) => {
      await waitForStatus(handle, 'building');
      await waitFor(async () => processesUnder(workRoot).length >= 2, 'g++ and cc1plus run');
      await cancelAndExpectCancelled(handle);
      // The workflow waits for the activity's cancellation: the group is gone when it ends.
      expect(processesUnder(workRoot)).toEqual([]);
      expect(scripted.recorded).toHaveLength(0);
    });
  });

  it('during a real test: the test program and its child are killed', async () => {
    await withTask(cppTask, { replies: { 'deepseek-coder-v2:16b': [fence(SLOW_TEST)] } }, { realHost: true }, async ({ handle, workRoot }) => {
      await waitForStatus(handle, 'testing');
      await waitFor(async () => processesUnder(workRoot).length >= 2, 'the test program and its child run');
      await cancelAndExpectCancelled(handle);
      expect(processesUnder(workRoot)).toEqual([]);
    });
  });

  it('during the optimization phase', async () => {
    const world = { replies: { 'qwen2.5-coder:32b': [fence('OK ms=1 sol=60', 'cuda')] }, delays: { fullProfile: { ms: 120_000 } } };
    await withTask(benchTask, world, { config: workflowTestConfig({ target_score: 95, max_optimization_iterations: 2 }) }, async ({ handle, scripted }) => {
      await waitForStatus(handle, 'optimizing');
      await waitFor(async () => scripted.fullProfiles.length === 1, 'the baseline is being profiled');
      await cancelAndExpectCancelled(handle);
      expect(scripted.cancelled).toEqual(['fullProfile']);
    });
  });

  it('during the manual wait', async () => {
    const config = workflowTestConfig({ stoploss_per_model: 1, routing: { 'C++/System': ['only-model'] } });
    await withTask(cppTask, { replies: { 'only-model': [fence('WRONG')] } }, { config }, async ({ handle }) => {
      await waitForStatus(handle, 'waiting_for_person');
      await cancelAndExpectCancelled(handle);
    });
  });
});

describe('the optimization phase', () => {
  it('ends on an infrastructure fault keeping the best passing code: the task succeeds, with the reason', async () => {
    const config = workflowTestConfig({ target_score: 95, max_optimization_iterations: 3, retry_build: 0 });
    const world = {
      replies: { 'qwen2.5-coder:32b': [fence('OK ms=1 sol=60', 'cuda'), fence('OK ms=0.5', 'cuda'), fence('OK ms=0.4', 'cuda')] },
      faults: { buildCandidate: { after: 2, times: 99, type: 'CompilerMissing' } },
    };
    await withTask(benchTask, world, { config }, async ({ handle, scripted }) => {
      const result = (await handle.result()) as TaskResult;
      expect(result.status).toBe('succeeded');
      expect(result.finalCode).toEqual([{ path: 'matmul.cu', content: 'OK ms=0.5\n' }]);
      expect(result.optimization?.bestIteration).toBe(1);
      expect(result.optimization?.stopReason).toMatch(/^infrastructure fault during iteration 2 .*CompilerMissing/);
      expect(result.message).toMatch(/CompilerMissing/);
      // The fault is nobody's run.
      expect(scripted.recorded.map((r) => r.attemptNo)).toEqual([1, 2]);
    });
  });

  it('keeps the status "optimizing" through the phase; the model phase says generating, building, testing', async () => {
    const config = workflowTestConfig({ target_score: 95, max_optimization_iterations: 2 });
    const world = { replies: { 'qwen2.5-coder:32b': [fence('WRONG', 'cuda'), fence('OK ms=1 sol=60', 'cuda'), fence('WRONG', 'cuda'), fence('OK ms=0.5', 'cuda')] } };
    await withTask(benchTask, world, { config }, async ({ handle }) => {
      await handle.result();
      // Consecutive repeats dropped: each change of status, in order.
      const trail = (await statusTrail(handle)).filter((s, i, all) => i === 0 || all[i - 1] !== s);
      expect(trail).toEqual(['starting', 'generating', 'building', 'testing', 'generating', 'building', 'testing', 'optimizing', 'succeeded']);
    });
  });
});
