/**
 * The cost-aware queue workflow on a real dev server: the task workflows it starts run on scripted
 * activities (each model answer takes `delayMs`), the queue's own activities are scripted too
 * (start model, P(domain) and durations per task; queue_tasks rows collected in memory).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ApplicationFailure } from '@temporalio/common';
import { configInfoOf } from '../../client/queue';
import { Worker } from '@temporalio/worker';
import type { QueueEstimatesInput } from '../../activities/queue';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import {
  addTasksUpdate,
  cancelTaskUpdate,
  pauseUpdate,
  queueStateQuery,
  reprioritizeUpdate,
  reloadConfigUpdate,
  resumeUpdate,
  type PendingTask,
  type QueueCarry,
  type QueueEstimate,
  type QueueStateView,
  type QueueTaskRow,
  type QueueWorkflowInput,
} from '../../contracts/queue-messages';
import type { queueWorkflow } from '../../workflows/queue-workflow';
import { standInTask } from '../../bench/queue-bench-env';
import { memoryQueueStore } from '../../bench/queue-memory-store';
import { createScriptedActivities, fence } from '../helpers/scripted-activities';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { useTestServer, workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const env = useTestServer();


/** A minimal valid task (the scripted activities never read the harness): the queue benchmark's. */
const task = standInTask;

type Estimator = (t: QueueEstimatesInput['tasks'][number]) => Omit<QueueEstimate, 'key' | 'startSummary'>;

/**
 * The worker's activities: scripted task activities (every model answers OK after delayMs, or once
 * `hold` resolves for the tasks it names) and scripted queue activities.
 */
function world(taskQueue: string, estimate: Estimator, delayMs = 150, hold?: (taskId: string) => Promise<void> | undefined) {
  const scripted = createScriptedActivities({ hostQueue: taskQueue, replies: new Proxy({}, { get: () => [fence('OK', '')] }) as Record<string, string[]> });
  const rows: QueueTaskRow[] = [];
  const estimateCalls: string[][] = [];
  const queueEstimates = async (input: QueueEstimatesInput): Promise<QueueEstimate[]> => {
    estimateCalls.push(input.tasks.map((t) => t.key));
    return input.tasks.map((t) => ({ key: t.key, startSummary: 'scripted', ...estimate(t) }));
  };
  const store = memoryQueueStore(queueEstimates);
  const activities = {
    ...scripted.activities,
    ...store.activities,
    async generateCode(input: Parameters<typeof scripted.activities.generateCode>[0]) {
      await (hold?.(input.taskId) ?? new Promise((r) => setTimeout(r, delayMs)));
      return scripted.activities.generateCode(input);
    },
    queueEstimates,
    async recordQueueEvents(batch: QueueTaskRow[]): Promise<number> {
      rows.push(...batch);
      return batch.length;
    },
  };
  /** Task ids in the order their workflows made their start decision (= start order with one slot). */
  const started = () => scripted.startDecisions.map((d) => d.taskId);
  return { scripted, rows, estimateCalls, activities, started, store };
}

async function newWorker(taskQueue: string, activities: object): Promise<Worker> {
  return Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities });
}

async function startQueue(taskQueue: string, overrides: Partial<QueueWorkflowInput> = {}): Promise<WorkflowHandle<typeof queueWorkflow>> {
  const name = uniqueName('q');
  const input: QueueWorkflowInput = { name, config: workflowTestConfig(), queues: { gpu: taskQueue, cuda: taskQueue }, ...overrides };
  return env().client.workflow.start<typeof queueWorkflow>('queueWorkflow', { taskQueue, workflowId: `kisystem-queue-${name}`, args: [input] });
}

async function waitFor(handle: WorkflowHandle, until: (s: QueueStateView) => boolean, timeoutMs = 90_000): Promise<QueueStateView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await handle.query(queueStateQuery);
    if (until(state)) return state;
    if (Date.now() > deadline) throw new Error(`queue state never matched: ${JSON.stringify({ ...state, recent: state.recent.length })}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const noHistory: Estimator = (t) => ({ startModel: t.domain === 'CUDA/Kernel' ? 'qwen2.5-coder:32b' : 'deepseek-coder-v2:16b', domainPriority: null, durationsSeconds: [] });

/** The guide's example (section 5): model and real durations per task, so the ETAs are the guide's 300 s, 180 s and 900 s. */
const guideExample: Estimator = (t) => {
  const seconds: Record<string, [string, number]> = { a: ['qwen2.5-coder:32b', 300], b: ['deepseek-coder-v2:16b', 180], c: ['deepseek-r1:32b', 900] };
  const [model, s] = seconds[t.taskId]!;
  return { startModel: model, domainPriority: null, durationsSeconds: [s, s, s, s, s] };
};

async function updateError(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => null, (e: Error) => e);
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  // Refused with an ApplicationFailure (a plain Error would fail the workflow task in a loop and hang the update).
  expect((error as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
  return (error as WorkflowUpdateFailedError).cause?.message ?? '';
}

describe('queue workflow', () => {
  it("runs the guide's example in priority_eff order B, A, C on one slot", async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, guideExample);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1 });
      expect(await handle.executeUpdate(pauseUpdate)).toBe(true);
      const outcomes = await handle.executeUpdate(addTasksUpdate, {
        args: [[{ task: task('a', 'Audio/DSP', 90) }, { task: task('b', 'C++/System'), priority: 80 }, { task: task('c', 'CUDA/Kernel', 95) }]],
      });
      expect(outcomes.map((o) => o.accepted)).toEqual([true, true, true]);
      const waiting = await handle.query(queueStateQuery);
      expect(waiting.order.map((o) => [o.taskId, o.priorityScore, o.etaSeconds, o.etaSource, Number(o.priorityEff.toFixed(2))])).toEqual([
        ['b', 80, 180, 'history', 0.44],
        ['a', 90, 300, 'history', 0.3],
        ['c', 95, 900, 'history', 0.11],
      ]);
      expect(await handle.executeUpdate(resumeUpdate)).toBe(false);
      const done = await waitFor(handle, (s) => s.counters.finished === 3);
      expect(w.started()).toEqual(['b', 'a', 'c']);
      expect(done.counters).toMatchObject({ added: 3, started: 3, succeeded: 3, failed: 0 });
      expect(done.recent.map((r) => r.taskId)).toEqual(['c', 'a', 'b']);
      // The record: one final row per task. It is written by an activity after the finish is counted, so wait for it.
      const finalStatuses = () => [...new Map(w.rows.map((r) => [r.key, r])).values()].map((r) => [r.taskId, r.status]).sort();
      for (let i = 0; i < 100 && finalStatuses().some(([, status]) => status !== 'succeeded'); i++) await new Promise((r) => setTimeout(r, 100));
      expect(finalStatuses()).toEqual([['a', 'succeeded'], ['b', 'succeeded'], ['c', 'succeeded']]);
      await handle.terminate('test over');
    });
  });

  it('starts the same three tasks in arrival order A, B, C when the queue is set to FIFO ordering', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, guideExample, 50);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1, ordering: 'fifo' });
      await handle.executeUpdate(pauseUpdate);
      await handle.executeUpdate(addTasksUpdate, { args: [[{ task: task('a', 'Audio/DSP', 90) }, { task: task('b', 'C++/System', 80) }, { task: task('c', 'CUDA/Kernel', 95) }]] });
      const waiting = await handle.query(queueStateQuery);
      expect(waiting.ordering).toBe('fifo');
      expect(waiting.order.map((o) => [o.position, o.taskId])).toEqual([[1, 'a'], [2, 'b'], [3, 'c']]);
      await handle.executeUpdate(resumeUpdate);
      await waitFor(handle, (s) => s.counters.finished === 3);
      expect(w.started()).toEqual(['a', 'b', 'c']);
      await handle.terminate('test over');
    });
  });

  it('uses 100 x P(domain) when a task has no priority, and the table ETA below 5 samples', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, (t) => ({ ...noHistory(t), domainPriority: t.domain === 'Audio/DSP' ? 0.9 : 0.2, durationsSeconds: [100, 100, 100, 100] }));
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1 });
      await handle.executeUpdate(pauseUpdate);
      await handle.executeUpdate(addTasksUpdate, { args: [[{ task: task('sys', 'C++/System') }, { task: task('dsp', 'Audio/DSP') }]] });
      const state = await handle.query(queueStateQuery);
      expect(state.order.map((o) => [o.taskId, o.priorityScore, o.prioritySource, o.etaSeconds, o.etaSource])).toEqual([
        ['dsp', 90, 'meta-supervisor', 120 * 1.2 + 30, 'table'],
        ['sys', 20, 'meta-supervisor', 150, 'table'],
      ]);
      expect(state.order[0]!.etaReason).toContain('4 of 5 runs needed');
      await handle.terminate('test over');
    });
  });

  it('refuses bad updates with their reason and accepts the good items of a batch', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1 });
      await handle.executeUpdate(pauseUpdate);
      const bad = { ...task('rusty', 'C++/System'), language: 'rust' } as unknown as ResolvedTask;
      const outcomes = await handle.executeUpdate(addTasksUpdate, {
        args: [[
          { task: task('good', 'C++/System') },
          { task: bad },
          { task: task('loud', 'C++/System'), priority: 150 },
          { task: task('good', 'C++/System') },
          { task: { ...task('noharness', 'C++/System'), harnessFiles: [] } },
        ]],
      });
      expect(outcomes.map((o) => [o.taskId, o.accepted])).toEqual([['good', true], ['rusty', false], ['loud', false], ['good', false], ['noharness', false]]);
      expect(outcomes[1]!.reason).toContain('task.language');
      expect(outcomes[2]!.reason).toContain('priority must be a number between 0 and 100');
      expect(outcomes[3]!.reason).toContain('already in queue');
      expect(outcomes[4]!.reason).toContain('task.harnessFiles');
      // A second update with the same task id is refused too (it is pending).
      const again = await handle.executeUpdate(addTasksUpdate, { args: [[{ task: task('good', 'C++/System') }]] });
      expect(again[0]).toMatchObject({ accepted: false, reason: expect.stringContaining('already in queue') });
      // Whole updates refused by the validators (nothing enters the history).
      expect(await updateError(handle.executeUpdate(addTasksUpdate, { args: [[]] }))).toContain('the list is empty');
      expect(await updateError(handle.executeUpdate(addTasksUpdate, { args: ['nope' as never] }))).toContain('takes a list');
      expect(await updateError(handle.executeUpdate(cancelTaskUpdate, { args: ['missing'] }))).toContain('no pending task missing');
      expect(await updateError(handle.executeUpdate(reprioritizeUpdate, { args: ['good', 101] }))).toContain('between 0 and 100');
      expect(await updateError(handle.executeUpdate(reprioritizeUpdate, { args: ['missing', 10] }))).toContain('no pending task');
      const state = await handle.query(queueStateQuery);
      expect(state.order.map((o) => o.taskId)).toEqual(['good']);
      expect(state.counters).toMatchObject({ added: 1, refused: 5 });
      await handle.terminate('test over');
    });
  });

  it('cancels and reprioritizes pending tasks, pauses and resumes, and refuses to cancel a running one', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory, 1500);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1 });
      await handle.executeUpdate(pauseUpdate);
      const added = await handle.executeUpdate(addTasksUpdate, {
        args: [[{ task: task('x', 'C++/System', 60) }, { task: task('y', 'C++/System', 50) }, { task: task('z', 'C++/System', 10) }]],
      });
      expect((await handle.query(queueStateQuery)).order.map((o) => o.taskId)).toEqual(['x', 'y', 'z']);
      const z = await handle.executeUpdate(reprioritizeUpdate, { args: [added[2]!.key!, 100] });
      expect(z).toMatchObject({ priorityScore: 100, prioritySource: 'task' });
      expect(await handle.executeUpdate(cancelTaskUpdate, { args: ['y'] })).toMatchObject({ key: added[1]!.key });
      expect((await handle.query(queueStateQuery)).order.map((o) => o.taskId)).toEqual(['z', 'x']);
      // Paused: nothing starts.
      await new Promise((r) => setTimeout(r, 500));
      expect(w.started()).toEqual([]);
      await handle.executeUpdate(resumeUpdate);
      const running = await waitFor(handle, (s) => s.running.length === 1);
      expect(running.running[0]!.taskId).toBe('z');
      const refusal = await updateError(handle.executeUpdate(cancelTaskUpdate, { args: ['z'] }));
      expect(refusal).toContain(`is running as workflow ${running.running[0]!.workflowId}`);
      const done = await waitFor(handle, (s) => s.counters.finished === 3);
      expect(w.started()).toEqual(['z', 'x']);
      expect(done.counters).toMatchObject({ succeeded: 2, cancelled: 1 });
      await handle.terminate('test over');
    });
  });

  it('continues as new with tasks pending and running and loses none (every task runs exactly once)', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory, 100);
    const worker = await newWorker(taskQueue, w.activities);
    const n = 16;
    await worker.runUntil(async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 3, maxHistoryEvents: 120 });
      const firstRun = (await handle.describe()).runId;
      const ids = Array.from({ length: n }, (_, i) => `t${i}`);
      // In several updates, so that some arrive in later runs.
      for (let i = 0; i < n; i += 4) {
        const out = await handle.executeUpdate(addTasksUpdate, { args: [ids.slice(i, i + 4).map((id) => ({ task: task(id, 'C++/System', 10 + i) }))] });
        expect(out.every((o) => o.accepted)).toBe(true);
      }
      const done = await waitFor(handle, (s) => s.counters.finished === n);
      expect(done.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
      expect((await handle.describe()).runId).not.toBe(firstRun);
      expect(done.counters).toMatchObject({ added: n, started: n, succeeded: n, failed: 0 });
      expect(done.running).toEqual([]);
      expect(done.order).toEqual([]);
      // Exactly once: one start decision per task, one workflow per task.
      expect([...w.started()].sort()).toEqual([...ids].sort());
      const workflowsPerTask = new Map<string, Set<string>>();
      for (const r of w.scripted.recorded) workflowsPerTask.set(r.taskId, (workflowsPerTask.get(r.taskId) ?? new Set()).add(r.workflowId));
      expect([...workflowsPerTask.values()].every((s) => s.size === 1)).toBe(true);
      // The record ends with every task finished (the last rows are written just after the last notice).
      await waitFor(handle, (s) => s.counters.finished === n && new Map(w.rows.map((r) => [r.key, r.status])).size === n && w.rows.slice(-1)[0]?.status === 'succeeded' && new Set(w.rows.filter((r) => r.status === 'succeeded').map((r) => r.key)).size === n);
      const last = new Map(w.rows.map((r) => [r.key, r.status]));
      expect(last.size).toBe(n);
      expect([...last.values()].every((s) => s === 'succeeded')).toBe(true);
      await handle.terminate('test over');
    });
  });

  it('keeps the queue when its worker stops mid-queue and another one takes over', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory, 400);
    const n = 6;
    const ids = Array.from({ length: n }, (_, i) => `r${i}`);
    const first = await newWorker(taskQueue, w.activities);
    const handle = await first.runUntil(async () => {
      const h = await startQueue(taskQueue, { maxRunning: 2 });
      await h.executeUpdate(addTasksUpdate, { args: [ids.map((id) => ({ task: task(id, 'C++/System') }))] });
      await waitFor(h, (s) => s.counters.finished >= 1 && s.running.length > 0);
      return h;
    });
    // No worker for a moment: the queue's state is in its history; a fresh worker (a new workflow cache) replays it.
    await new Promise((r) => setTimeout(r, 300));
    const second = await newWorker(taskQueue, w.activities);
    await second.runUntil(async () => {
      const done = await waitFor(handle, (s) => s.counters.finished === n);
      expect(done.counters).toMatchObject({ started: n, succeeded: n, failed: 0 });
      expect([...w.started()].sort()).toEqual([...ids].sort());
      await handle.terminate('test over');
    });
  });

  it('frees the slot of a child terminated right after the queue continued as new (the refresh asks the server)', async () => {
    const taskQueue = uniqueName('queue');
    // `slow` answers only once the test has terminated it: the continue-as-new has to come while it
    // runs, however long the server takes to get there.
    let release = () => undefined as void;
    const released = new Promise<void>((r) => (release = r));
    const w = world(taskQueue, noHistory, 150, (id) => (id === 'slow' ? released : undefined));
    const worker = await newWorker(taskQueue, w.activities);
    // The worker's shutdown waits for the held answer: it is let go however the test ends.
    const scenario = async () => {
      const handle = await startQueue(taskQueue, { maxRunning: 1, maxHistoryEvents: 60, priorityRefreshSeconds: 1 });
      await handle.executeUpdate(addTasksUpdate, { args: [[{ task: task('slow', 'C++/System', 90) }, { task: task('next', 'C++/System', 10) }]] });
      const firstRun = (await handle.describe()).runId;
      const before = await waitFor(handle, (s) => s.running.length === 1 && s.running[0]!.taskId === 'slow');
      // Wait for a continue-as-new while `slow` runs: the new run is not its parent and never sees its result.
      for (let i = 0; i < 300 && (await handle.describe()).runId === firstRun; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await handle.describe()).runId).not.toBe(firstRun);
      await env().client.workflow.getHandle(before.running[0]!.workflowId).terminate('test: terminated after the queue continued as new');
      release();
      const after = await waitFor(handle, (s) => s.recent.some((f) => f.taskId === 'slow') && s.running.some((r) => r.taskId === 'next'), 30_000);
      expect(after.recent.find((f) => f.taskId === 'slow')).toMatchObject({ status: 'failed', message: expect.stringContaining('terminated') });
      expect(after.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
      await handle.terminate('test over');
    };
    await worker.runUntil(() => scenario().finally(release));
  });

  it('takes the current config on reloadConfig and shows which one it uses; a bad reload is refused', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const first = workflowTestConfig();
      const handle = await startQueue(taskQueue, { configInfo: configInfoOf(first, 'first.json') });
      const before = await handle.query(queueStateQuery);
      expect(before.config).toMatchObject({ hash: configInfoOf(first, 'x').hash, source: 'first.json' });
      expect(before.maxRunning).toBe(first.queue.max_running);
      const edited = { ...first, queue: { ...first.queue, max_running: first.queue.max_running + 2 } };
      const info = configInfoOf(edited, 'edited.json');
      expect(info.hash).not.toBe(before.config!.hash);
      expect(await handle.executeUpdate(reloadConfigUpdate, { args: [{ config: edited, info }] })).toEqual(info);
      const after = await handle.query(queueStateQuery);
      expect(after.config).toEqual(info);
      expect(after.maxRunning).toBe(first.queue.max_running + 2);
      expect(await updateError(handle.executeUpdate(reloadConfigUpdate, { args: [{ config: {} as never, info }] }))).toContain('reloadConfig takes');
      await handle.terminate('test over');
    });
  });

  /**
   * A v2 queue's history (the guide's example by key, one slot, with a continue-as-new-free run) must
   * replay on the current code; re-record only for an intended, versioned change:
   * RECORD_HISTORY=1 npx jest test/workflow/queue-workflow.test.ts -t "v2 queue history"
   */
  it('replays a saved v2 queue history on the current code', async () => {
    const saved = join(__dirname, '../fixtures/histories/queue-v2-guide-example.json');
    if (process.env.RECORD_HISTORY === '1' || !existsSync(saved)) {
      const taskQueue = uniqueName('queue');
      const w = world(taskQueue, guideExample, 50);
      const worker = await newWorker(taskQueue, w.activities);
      const handle = await worker.runUntil(async () => {
        const h = await startQueue(taskQueue, { maxRunning: 1, priorityRefreshSeconds: 1 });
        await h.executeUpdate(pauseUpdate);
        await h.executeUpdate(addTasksUpdate, { args: [[{ task: task('a', 'Audio/DSP', 90) }, { task: task('b', 'C++/System'), priority: 80 }, { task: task('c', 'CUDA/Kernel', 95) }]] });
        await h.executeUpdate(resumeUpdate);
        await waitFor(h, (st) => st.counters.finished === 3);
        await h.terminate('recorded');
        return h;
      });
      writeFileSync(saved, historyToJSON(await handle.fetchHistory()));
      if (process.env.RECORD_HISTORY !== '1') throw new Error(`no saved v2 queue history existed; recorded ${saved}: commit it and run again`);
    }
    const history = JSON.parse(readFileSync(saved, 'utf8'));
    // The v2 patch marker (base64 in the history): this is not the v1 fixture.
    expect(JSON.stringify(history)).toContain(Buffer.from(JSON.stringify(['queue-v2-postgres'])).toString('base64'));
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history)).resolves.toBeUndefined();
  });

  it('takes over a v1 carry (pending tasks with their bodies): stores the bodies and runs them as v2', async () => {
    const taskQueue = uniqueName('queue');
    const w = world(taskQueue, noHistory, 50);
    const worker = await newWorker(taskQueue, w.activities);
    await worker.runUntil(async () => {
      const pendingTask = (id: string, seq: number, priorityScore: number): PendingTask => ({
        key: `${id}-${seq}`, seq, task: task(id, 'C++/System'), ownPriority: priorityScore, priorityScore, prioritySource: 'task',
        model: 'deepseek-coder-v2:16b', etaSeconds: 150, etaSource: 'table', etaReason: 'table', addedAt: '2026-11-29T10:00:00.000Z',
      });
      const carry: QueueCarry = {
        epoch: 'v1epoch0', seq: 2, paused: false, pending: [pendingTask('low', 1, 10), pendingTask('high', 2, 90)], running: [], recent: [],
        counters: { added: 2, refused: 0, started: 0, finished: 0, succeeded: 0, failed: 0, cancelled: 0, continuedAsNew: 1 }, outbox: [], lastRefreshAt: null,
      };
      const handle = await startQueue(taskQueue, { maxRunning: 1, carry });
      const done = await waitFor(handle, (st) => st.counters.finished === 2);
      expect(done.counters).toMatchObject({ added: 2, started: 2, succeeded: 2 });
      expect(w.started()).toEqual(['high', 'low']);
      expect(w.store.counts.storeQueueTasks).toBeGreaterThanOrEqual(1);
      expect(w.store.counts.loadQueuedTask).toBe(2); // each child loaded its body
      await handle.terminate('test over');
    });
  });
});
