/**
 * A real-size backlog for one v2 queue: copies of the examples' resolved task files (their
 * real bodies, 8-33 KB each, only the id differs) stored in Postgres and added in batches to one paused
 * queue, with the real queue activities on a real database. Measures what a backlog costs the queue:
 * its history (length and bytes, per run), the carry at continue-as-new, and `queue show`'s answer time.
 * Used by scripts/load-queue-10k.ts (10,000 tasks) and test/integration/queue-load.test.ts (300).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { createQueueActivities } from '../activities/queue';
import { createQueueChildActivities, createQueueStoreActivities } from '../activities/queue-store';
import { addStored, configInfoOf, queueShow, storeForQueue } from '../client/queue';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import { loadTask } from '../runtime/load-task';
import { PROJECT_ROOT, type Settings } from '../runtime/settings';
import { MAX_ADD_BATCH, pauseUpdate, queueStateLimitedQuery, queueWorkflowId, type QueueWorkflowInput } from '../contracts/queue-messages';

/** The resolved task files of examples/ (real bodies). */
export function exampleTasks(): ResolvedTask[] {
  const dir = join(PROJECT_ROOT, 'examples');
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => loadTask(join(dir, e.name, 'task.yaml')));
}

/** Whether any payload of a history (JSON with base64 payload data) holds one of these texts. */
export function holdsText(historyJson: string, texts: string[]): { holds: boolean; payloads: number } {
  const needles = texts.map((t) => JSON.stringify(t).slice(1, -1));
  let payloads = 0;
  for (const m of historyJson.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)) {
    payloads++;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    if (needles.some((n) => decoded.includes(n))) return { holds: true, payloads };
  }
  return { holds: false, payloads };
}

export interface QueueLoadOptions {
  client: Client;
  address: string;
  namespace?: string;
  db: Kysely<Database>;
  config: KisystemConfig;
  tasks: number;
  batch?: number;
  maxHistoryEvents?: number;
  /** A workflow bundle (tests) or the workflows path (scripts). */
  workflows: { workflowBundle: { code: string } } | { workflowsPath: string };
  log?: (line: string) => void;
}

export interface QueueLoadFigures {
  tasks: number;
  batches: number;
  bodyBytes: { min: number; max: number; mean: number };
  addSeconds: number;
  /** Per batch: the run's history length and size after it. */
  history: { batch: number; runId: string; length: number; bytes: number }[];
  continuedAsNew: number;
  /** The largest history (bytes) any run of the queue reached. */
  maxRunHistoryBytes: number;
  /** `queue show` (the first 50 pending) answer times, ms. */
  showMs: number[];
  pendingCount: number;
  /** Whether any event of the queue's current history holds a task body (a harness file's text). */
  historyHoldsBody: boolean;
  /** Per run: the size of its input (the first run's: name and config; later ones: the carry too), bytes. */
  startInputBytes: number[];
  /** Payloads of that history decoded and searched. */
  payloadsChecked: number;
}

export async function runQueueLoad(o: QueueLoadOptions): Promise<QueueLoadFigures> {
  const log = o.log ?? (() => undefined);
  const batch = o.batch ?? MAX_ADD_BATCH;
  const taskQueue = `queue-load-${Date.now().toString(36)}`;
  const settings: Settings = { temporalAddress: o.address, namespace: o.namespace ?? 'default', taskQueue, gpuQueue: taskQueue, configPath: '(load)', dataDir: '(load)', webUiUrl: 'http://localhost' };
  const examples = exampleTasks();
  const sizes = examples.map((t) => JSON.stringify(t).length);
  const connection = await NativeConnection.connect({ address: o.address });
  const worker = await Worker.create({
    connection,
    namespace: settings.namespace,
    taskQueue,
    ...o.workflows,
    activities: { ...createQueueActivities({ db: o.db }), ...createQueueStoreActivities({ db: o.db }), ...createQueueChildActivities() },
  });
  const name = `load-${Date.now().toString(36)}`;
  const workflowId = queueWorkflowId(name);
  try {
    return await worker.runUntil(async () => {
      const info = configInfoOf(o.config, '(load)');
      const input: QueueWorkflowInput = { name, config: o.config, configInfo: info, queues: { gpu: taskQueue, cuda: taskQueue }, maxHistoryEvents: o.maxHistoryEvents };
      const handle = await o.client.workflow.start('queueWorkflow', { taskQueue, workflowId, args: [input] });
      await handle.executeUpdate(pauseUpdate); // nothing starts: the backlog only waits
      const history: QueueLoadFigures['history'] = [];
      const began = Date.now();
      let added = 0;
      for (let i = 0; i < o.tasks; i += batch) {
        const n = Math.min(batch, o.tasks - i);
        const tasks = Array.from({ length: n }, (_, j) => {
          const base = examples[(i + j) % examples.length]!;
          return { ...base, id: `${base.id}-${i + j}` };
        });
        const items = await storeForQueue(o.db, tasks, undefined);
        const outcomes = await addStored(o.client, settings, o.config, info, name, items);
        added += outcomes.filter((x) => x.accepted).length;
        const d = await o.client.workflow.getHandle(workflowId).describe();
        history.push({ batch: i / batch + 1, runId: d.runId, length: d.historyLength, bytes: d.historySize ?? 0 });
        log(`batch ${i / batch + 1}: ${added} added, run ${d.runId.slice(0, 8)} history ${d.historyLength} events / ${((d.historySize ?? 0) / 1024).toFixed(0)} KiB`);
      }
      const addSeconds = (Date.now() - began) / 1000;
      const showMs: number[] = [];
      for (let k = 0; k < 5; k++) {
        const t0 = process.hrtime.bigint();
        await queueShow(o.client, name, false, () => undefined);
        showMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const state = await o.client.workflow.getHandle(workflowId).query(queueStateLimitedQuery, 1);
      // Every run's history, searched for any example's harness text.
      let historyHoldsBody = false;
      let payloadsChecked = 0;
      const startInputBytes: number[] = [];
      // A page of history may pass gRPC's default 4 MB: a connection that takes larger answers.
      const reader = new Client({ connection: await Connection.connect({ address: o.address, channelArgs: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 } }), namespace: settings.namespace });
      try {
        for (const runId of new Set(history.map((h) => h.runId))) {
          const json = historyToJSON(await reader.workflow.getHandle(workflowId, runId).fetchHistory());
          const found = holdsText(json, examples.map((t) => t.harnessFiles[0]!.content.slice(0, 120)));
          const started = JSON.parse(json).events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.data as string | undefined;
          startInputBytes.push(started ? Buffer.from(started, 'base64').length : 0);
          historyHoldsBody ||= found.holds;
          payloadsChecked += found.payloads;
        }
      } finally {
        await reader.connection.close();
      }
      await o.client.workflow.getHandle(workflowId).terminate('load measured');
      return {
        tasks: added,
        batches: history.length,
        bodyBytes: { min: Math.min(...sizes), max: Math.max(...sizes), mean: sizes.reduce((a, b) => a + b, 0) / sizes.length },
        addSeconds,
        history,
        continuedAsNew: state.counters.continuedAsNew,
        maxRunHistoryBytes: Math.max(...history.map((h) => h.bytes)),
        showMs,
        pendingCount: state.pendingCount ?? state.order.length,
        historyHoldsBody,
        payloadsChecked,
        startInputBytes,
      };
    });
  } finally {
    await connection.close();
  }
}
