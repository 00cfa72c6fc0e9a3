/**
 * A real-size backlog in a v2 queue: 300 copies of the examples' resolved tasks (8-33 KB
 * each) stored in a real Postgres and added in batches of 50 to one paused queue on a real dev server.
 * No task body enters the queue's history; the history stays small; `queue show` answers.
 * (The 10,000-task figures: scripts/load-queue-10k.ts, docs/benchmarks.md.)
 */
import { parseConfig } from '../../policy/schemas/config-schema';
import { exampleTasks, holdsText, runQueueLoad } from '../../bench/queue-load';
import { workflowBundle } from '../helpers/temporal-env';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { useTestServer } from '../helpers/workflow-test-env';

jest.setTimeout(300_000);

const env = useTestServer();
let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_queue_load');
});
afterAll(async () => {
  await testDb?.drop();
});

it('holds 300 real-size tasks by key: no body in its history, a bounded history, queue show answering', async () => {
  const figures = await runQueueLoad({
    client: env().client,
    address: env().address,
    db: testDb.db,
    config: parseConfig('(test)', {}),
    tasks: 300,
    batch: 50,
    maxHistoryEvents: 40,
    workflows: { workflowBundle: await workflowBundle() },
  });
  console.log(JSON.stringify({ ...figures, history: figures.history.map((h) => [h.runId.slice(0, 8), h.length, h.bytes]) }));
  expect(figures.tasks).toBe(300);
  expect(figures.pendingCount).toBe(300);
  expect(figures.bodyBytes.min).toBeGreaterThan(4000); // the examples' real bodies
  expect(figures.payloadsChecked).toBeGreaterThan(10);
  expect(figures.historyHoldsBody).toBe(false);
  // 300 real bodies are more than 2.4 MB; the queue's history holds only their keys.
  expect(figures.maxRunHistoryBytes).toBeLessThan(600_000);
  expect(figures.continuedAsNew).toBeGreaterThanOrEqual(1);
  // `queue show` answered from the stored keys each time; how fast is a figure the benchmark prints
  // (scripts/load-queue-10k.ts), not a bound a loaded machine could miss.
  expect(figures.showMs.length).toBeGreaterThan(0);
  // The check itself finds a body where there is one (a payload as the history stores it).
  const body = JSON.stringify(exampleTasks()[0]);
  expect(holdsText(`{"data":"${Buffer.from(body).toString('base64')}"}`, [exampleTasks()[0]!.harnessFiles[0]!.content.slice(0, 120)]).holds).toBe(true);
  const stored = await testDb.db.selectFrom('queue_task_bodies').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  expect(Number(stored.n)).toBe(300);
});
