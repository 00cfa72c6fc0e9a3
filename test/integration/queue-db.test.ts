/** The queue's activities and figures on a real PostgreSQL: durations per (start model, domain), queue_tasks upserts, stats. */
import type { Kysely } from 'kysely';
import { createLearningActivities } from '../../activities/learning';
import { createMetaActivities } from '../../activities/meta';
import { createQueueActivities, taskDurations } from '../../activities/queue';
import { ApplicationFailure } from '@temporalio/common';
import { createQueueStoreActivities } from '../../activities/queue-store';
import { queueStats } from '../../db/queue-repository';
import { exampleTasks } from '../../bench/queue-load';
import type { Database } from '../../db/tables';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { estimateEta } from '../../policy/rules/eta';
import { decideStart } from '../../policy/rules/hybrid-decision';
import type { QueueTaskRow } from '../../contracts/queue-messages';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

let testDb: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_queue_test');
  ({ db } = testDb);
});

afterAll(async () => {
  await testDb?.drop();
});

const config = defaultConfig();
const model = 'deepseek-coder-v2:16b';

/** One finished task: a start decision and two runs (duration = the sum of the runs' durations). */
async function finishedTask(i: number, seconds: number): Promise<void> {
  const { recordRun } = createLearningActivities({ db });
  const { recordStartDecision } = createMetaActivities({ db });
  const decision = decideStart({ domainChain: [model, 'qwen2.5-coder:32b'], bias: null, complexity: { score: 0, matched: [] }, failureState: 0.5, config });
  const ids = { taskId: `t${i}`, workflowId: `wf-${i}`, workflowRunId: `run-${i}` };
  await recordStartDecision({ ...ids, domain: 'C++/System', decision, decidedAt: `2026-11-2${i}T10:00:00.000Z` });
  for (const attemptNo of [1, 2]) {
    await recordRun({
      ...ids, attemptNo, domain: 'C++/System', model, source: 'model', phase: 'TEST', outcome: attemptNo === 2 ? 'success' : 'failure',
      errorType: attemptNo === 2 ? null : 'LOGIC', severity: attemptNo === 2 ? null : 2, recoverable: true, rule: null, firstErrorLine: null, hint: null, decision: null,
      llmMs: (seconds * 1000) / 2, buildMs: 0, testMs: 0, startedAt: `2026-11-2${i}T10:00:00.000Z`, finishedAt: `2026-11-2${i}T10:0${attemptNo}:00.000Z`, host: 'h', code: null, output: null,
    });
  }
}

describe('queue activities and figures', () => {
  it('switches the ETA from the table to the median of real durations at 5 finished tasks', async () => {
    const { queueEstimates } = createQueueActivities({ db });
    const ask = () => queueEstimates({ config, tasks: [{ key: 'q-1', taskId: 'q', domain: 'C++/System', language: 'cpp', text: 'Write a bounded queue.' }] });
    for (let i = 1; i <= 4; i++) await finishedTask(i, 100 * i);
    const four = (await ask())[0]!;
    expect(four.startModel).toBe(model);
    expect(four.durationsSeconds).toEqual([400, 300, 200, 100]);
    expect(estimateEta(four.startModel, 'C++/System', config.eta, four.durationsSeconds).source).toBe('table');
    await finishedTask(5, 500);
    const five = (await ask())[0]!;
    expect(five.domainPriority).toBeGreaterThan(0);
    expect(estimateEta(five.startModel, 'C++/System', config.eta, five.durationsSeconds)).toMatchObject({ source: 'history', seconds: 300, samples: 5 });
    expect(await taskDurations(db, 'qwen2.5-coder:32b', 'C++/System')).toEqual([]);
  });

  it('upserts queue_tasks by (queue, key) and reports wait, throughput and ETA accuracy', async () => {
    const { recordQueueEvents } = createQueueActivities({ db });
    const base = { queue: 'default', taskId: 'a', priorityScore: 80, etaSeconds: 100, addedAt: '2026-11-28T10:00:00.000Z' };
    const rows: QueueTaskRow[] = [
      { ...base, key: 'a-1', workflowId: null, startedAt: null, finishedAt: null, status: 'pending' },
      { ...base, key: 'a-1', workflowId: 'wa', startedAt: '2026-11-28T10:01:00.000Z', finishedAt: null, status: 'running' },
      { ...base, key: 'a-1', workflowId: 'wa', startedAt: '2026-11-28T10:01:00.000Z', finishedAt: '2026-11-28T10:03:00.000Z', status: 'succeeded' },
      { ...base, key: 'b-2', taskId: 'b', workflowId: 'wb', startedAt: '2026-11-28T10:03:00.000Z', finishedAt: '2026-11-28T10:04:00.000Z', status: 'succeeded' },
    ];
    await recordQueueEvents(rows);
    await recordQueueEvents(rows.slice(2)); // a retried write changes nothing
    const stored = await db.selectFrom('queue_tasks').selectAll().orderBy('key').execute();
    expect(stored.map((r) => [r.key, r.status, r.workflow_id])).toEqual([['a-1', 'succeeded', 'wa'], ['b-2', 'succeeded', 'wb']]);
    const [stats] = await queueStats(db);
    expect(stats).toMatchObject({ queue: 'default', tasks: 2, finished: 2 });
    expect(stats!.avgWaitSeconds).toBeCloseTo(120); // (60 + 180) / 2
    expect(stats!.throughputPerHour).toBeCloseTo(2 / (3 / 60)); // 2 tasks in 3 minutes
    expect(stats!.etaMedianRelativeError).toBeCloseTo(0.3); // |120-100|/100 = 0.2 and |60-100|/100 = 0.4
  });

  it('v2: stores task bodies once by content, loads them, estimates stored tasks; an unknown domain fails at once', async () => {
    const store = createQueueStoreActivities({ db });
    const task = exampleTasks()[0]!;
    const [id] = await store.storeQueueTasks([task]);
    expect(await store.storeQueueTasks([task])).toEqual([id]); // stored once
    expect(await store.loadQueuedTask({ bodyId: id! })).toEqual(task);
    await expect(store.loadQueuedTask({ bodyId: '0000000000000000' })).rejects.toMatchObject({ type: 'QueuedTaskMissing', nonRetryable: true });
    const est = await store.estimateQueuedTasks({ config, tasks: [{ key: 'k-1', bodyId: id!, taskId: task.id, domain: task.domain }] });
    expect(est.startModels).toEqual([{ key: 'k-1', startModel: expect.any(String) }]);
    expect(Object.keys(est.durations)).toEqual([`${est.startModels[0]!.startModel}|${task.domain}`]);
    expect(Object.keys(est.domainPriority)).toEqual([task.domain]);
    const unknown = { config, tasks: [{ key: 'k-2', bodyId: id!, taskId: task.id, domain: 'Rust/Embedded' }] };
    await expect(store.estimateQueuedTasks(unknown)).rejects.toMatchObject({ type: 'UnknownDomain', nonRetryable: true });
    await expect(store.queueRefresh({ config, domains: ['Rust/Embedded'], pairs: [] })).rejects.toBeInstanceOf(ApplicationFailure);
    const { queueEstimates } = createQueueActivities({ db });
    await expect(queueEstimates({ config, tasks: [{ key: 'q-9', taskId: 'q', domain: 'Rust/Embedded', language: 'cpp', text: '' }] })).rejects.toMatchObject({ type: 'UnknownDomain', nonRetryable: true });
  });
});
