/**
 * The workflow worker: task and queue workflows and the learning-history activities, on queue `kisystem`.
 * Stops gracefully on SIGINT/SIGTERM (the SDK's runtime handles the signals).
 */
import { temporalConnectOptions } from '../runtime/temporal-connection';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workerLogger } from './quiet-logger';
import { createLearningActivities } from '../activities/learning';
import { createProfileHistoryActivities } from '../activities/profile-history';
import { createMetaActivities } from '../activities/meta';
import { createQueueActivities } from '../activities/queue';
import { createQueueChildActivities, createQueueStoreActivities } from '../activities/queue-store';
import { databaseUrl, prepareDatabase, redact } from '../db/database';
import { settingsFromEnv } from '../runtime/settings';

export async function runWorkflowWorker(): Promise<void> {
  // The SDK's own INFO lines (worker state changes) drown the story; KISYSTEM_LOG_LEVEL=INFO brings them back.
  Runtime.install({ logger: workerLogger() });
  const settings = settingsFromEnv();
  const url = databaseUrl();
  const db = await prepareDatabase(url);
  const connection = await NativeConnection.connect(temporalConnectOptions(settings));
  try {
    const worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: { ...createLearningActivities({ db }), ...createMetaActivities({ db }), ...createQueueActivities({ db }), ...createQueueStoreActivities({ db }), ...createQueueChildActivities(), ...createProfileHistoryActivities({ db }) },
      shutdownGraceTime: '10 seconds',
    });
    console.log(`kisystem workflow worker: queue ${settings.taskQueue} on ${settings.temporalAddress}/${settings.namespace}, history ${redact(url)}`);
    await worker.run();
  } finally {
    await connection.close();
    await db.destroy();
  }
}

if (require.main === module) {
  runWorkflowWorker().then(
    () => process.exit(0),
    (error) => {
      console.error(`kisystem workflow worker: ${error?.stack ?? error}`);
      process.exit(1);
    },
  );
}
