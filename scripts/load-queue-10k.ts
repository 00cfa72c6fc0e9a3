/**
 * 10,000 pending tasks of the examples' real size in one v2 queue: copies of the example
 * task files' resolved bodies (8-33 KB each, only the id differs) stored in a fresh Postgres database
 * and added in batches of 500 to one paused queue on a private dev server, with the real queue
 * activities. Prints the queue's history (length and size per run: it stays bounded), the bodies'
 * sizes, the time to add them, and `queue show`'s answer time (target under 1 s).
 *
 *   npm run build && node dist/scripts/load-queue-10k.js [--tasks 10000] [--batch 500] [--max-history-events 10000]
 */
import { parseArgs } from 'node:util';
import { dropDatabase, prepareDatabase } from '../db/database';
import { parseConfig } from '../policy/schemas/config-schema';
import { startBenchServer } from '../bench/queue-bench-env';
import { runQueueLoad } from '../bench/queue-load';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { tasks: { type: 'string', default: '10000' }, batch: { type: 'string', default: '500' }, 'max-history-events': { type: 'string', default: '10000' } },
  });
  const url = `postgres://postgres@127.0.0.1:5432/kisystem_load10k_${Date.now().toString(36)}`;
  const db = await prepareDatabase(url);
  const env = await startBenchServer();
  try {
    const figures = await runQueueLoad({
      client: env.client,
      address: env.address,
      db,
      config: parseConfig('(load)', {}),
      tasks: Number(values.tasks),
      batch: Number(values.batch),
      maxHistoryEvents: Number(values['max-history-events']),
      workflows: { workflowsPath: require.resolve('../workflows') },
      log: (line) => console.log(line),
    });
    const runs = new Map<string, { length: number; bytes: number }>();
    for (const h of figures.history) runs.set(h.runId, { length: h.length, bytes: h.bytes });
    const show = [...figures.showMs].sort((a, b) => a - b);
    console.log('');
    console.log(`tasks added:            ${figures.tasks} in ${figures.batches} batches, ${figures.addSeconds.toFixed(1)} s (bodies stored in Postgres first)`);
    console.log(`body size (examples):   min ${figures.bodyBytes.min} B, mean ${Math.round(figures.bodyBytes.mean)} B, max ${figures.bodyBytes.max} B (${((figures.bodyBytes.mean * figures.tasks) / 1024 / 1024).toFixed(0)} MiB in all)`);
    console.log(`queue runs:             ${runs.size} (continued as new ${figures.continuedAsNew} times)`);
    for (const [runId, h] of runs) console.log(`  run ${runId.slice(0, 8)}: history ${h.length} events, ${(h.bytes / 1024).toFixed(0)} KiB at its last batch`);
    console.log(`run inputs (carry):     ${figures.startInputBytes.map((b) => `${(b / 1024).toFixed(0)} KiB`).join(', ')}`);
    console.log(`largest run history:    ${(figures.maxRunHistoryBytes / 1024).toFixed(0)} KiB`);
    console.log(`a task body in history: ${figures.historyHoldsBody ? 'YES' : 'no'} (${figures.payloadsChecked} payloads decoded)`);
    console.log(`pending (query):        ${figures.pendingCount}`);
    console.log(`queue show (first 50):  ${show.map((ms) => ms.toFixed(0)).join(', ')} ms (median ${show[Math.floor(show.length / 2)]!.toFixed(0)} ms)`);
  } finally {
    await env.stop();
    await db.destroy();
    await dropDatabase(url);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error?.stack ?? error);
    process.exit(1);
  },
);
