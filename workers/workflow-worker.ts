/**
 * The workflow worker: task and queue workflows and the learning-history activities, on queue `kisystem`.
 * Stops gracefully on SIGINT/SIGTERM (the SDK's runtime handles the signals).
 */
import { Client, Connection } from '@temporalio/client';
import { temporalConnectOptions } from '../runtime/temporal-connection';
import { NativeConnection, Worker } from '@temporalio/worker';
import { countingRecordRun, installRuntime, KisystemMetrics } from './metrics';
import { pollGauges } from './metrics-gauges';
import { createLearningActivities } from '../activities/learning';
import { createProfileHistoryActivities } from '../activities/profile-history';
import { createMetaActivities } from '../activities/meta';
import { createQueueActivities } from '../activities/queue';
import { createQueueChildActivities, createQueueStoreActivities } from '../activities/queue-store';
import { databaseUrl, prepareDatabase, redact } from '../db/database';
import { loadConfig } from '../runtime/load-config';
import { settingsFromEnv } from '../runtime/settings';

export async function runWorkflowWorker(): Promise<void> {
  const settings = settingsFromEnv();
  const config = loadConfig(settings.configPath);
  // The SDK's own INFO lines (worker state changes) drown the story; KISYSTEM_LOG_LEVEL=INFO brings them back.
  const metricsAt = installRuntime(config, 'workflow');
  const metrics = new KisystemMetrics();
  const url = databaseUrl();
  const db = await prepareDatabase(url);
  const connection = await NativeConnection.connect(temporalConnectOptions(settings));
  let stopGauges = () => undefined as void;
  let visibility: Connection | null = null;
  try {
    if (metricsAt) {
      visibility = await Connection.connect(temporalConnectOptions(settings));
      const client = new Client({ connection: visibility, namespace: settings.namespace });
      stopGauges = pollGauges({ client, db, config, metrics, warn: (line) => console.warn(line) });
    }
    const learning = createLearningActivities({ db });
    const worker = await Worker.create({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      workflowsPath: require.resolve('../workflows'),
      activities: { ...learning, recordRun: countingRecordRun(learning.recordRun, metrics), ...createMetaActivities({ db }), ...createQueueActivities({ db }), ...createQueueStoreActivities({ db }), ...createQueueChildActivities(), ...createProfileHistoryActivities({ db }) },
      shutdownGraceTime: '10 seconds',
    });
    console.log(`kisystem workflow worker: queue ${settings.taskQueue} on ${settings.temporalAddress}/${settings.namespace}, history ${redact(url)}${metricsAt ? `; metrics at http://${metricsAt}/metrics` : ''}`);
    await worker.run();
  } finally {
    stopGauges();
    await visibility?.close();
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
