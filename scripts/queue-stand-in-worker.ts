/**
 * A worker for scripts/load-queue-restart.ts: the real workflows (queue and task) with the timed
 * stand-in activities, on one task queue, in a process of its own so that the load script can SIGKILL
 * it. Every activity event is appended to a log file (one line each), so that invocation counts
 * survive the kill.
 *
 * Environment: TEMPORAL_ADDRESS, KQ_TASK_QUEUE, KQ_LOG (file), KQ_GENERATE_MS, KQ_STEP_MS (build and test).
 * Prints "ready" when it polls.
 */
import { appendFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createStandInActivities } from '../bench/queue-stand-ins';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const address = need('TEMPORAL_ADDRESS');
  const taskQueue = need('KQ_TASK_QUEUE');
  const logFile = need('KQ_LOG');
  const generate = Number(process.env.KQ_GENERATE_MS ?? '20');
  const step = Number(process.env.KQ_STEP_MS ?? '5');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const standIns = createStandInActivities({
    hostQueue: taskQueue,
    phaseMs: () => ({ generate, build: step, test: step }),
    log: (line) => appendFileSync(logFile, `${line}\t${process.pid}\n`),
    bodyDir: process.env.KQ_BODY_DIR,
  });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('../workflows'), activities: standIns.activities });
  const running = worker.run();
  console.log('ready');
  const stop = () => worker.shutdown();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await running;
  await connection.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
