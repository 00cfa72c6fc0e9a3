/**
 * Runs one of kisystem's activity functions outside a Temporal worker, with an activity context of
 * its own (heartbeats go nowhere, cancellation never comes). For the device recorder
 * (record-two-tier.ts), which runs the real build, test and profile activities on a GPU machine
 * that has no Temporal server: the SDK's MockActivityEnvironment would need @temporalio/worker and
 * its native bridge, which that machine does not get.
 *
 * Uses the activity package's own AsyncLocalStorage and Context constructor (marked "not meant to be
 * instantiated by activity code"); checked against @temporalio/activity 1.24.
 */
import { asyncLocalStorage, Context, type Info } from '@temporalio/activity';

export async function runAsActivity<T>(activityType: string, fn: () => Promise<T>): Promise<T> {
  const info = {
    taskToken: new Uint8Array(),
    base64TaskToken: '',
    activityId: `standalone-${activityType}`,
    activityType,
    activityNamespace: 'standalone',
    workflowNamespace: 'standalone',
    attempt: 1,
    isLocal: false,
    workflowType: 'standalone',
    workflowExecution: { workflowId: 'standalone', runId: 'standalone' },
    taskQueue: 'standalone',
    heartbeatTimeoutMs: undefined,
    heartbeatDetails: undefined,
    scheduledTimestampMs: Date.now(),
    startToCloseTimeoutMs: 0,
    scheduleToCloseTimeoutMs: 0,
    currentAttemptScheduledTimestampMs: Date.now(),
    priority: undefined,
  } as unknown as Info;
  const abort = new AbortController();
  const never = new Promise<never>(() => undefined);
  const log = { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} };
  // Positional: info, cancelled, cancellationSignal, heartbeat, client, log, metricMeter.
  const ContextClass = Context as unknown as new (...args: unknown[]) => Context;
  const ctx = new ContextClass(info, never, abort.signal, () => undefined, undefined, log, undefined);
  return asyncLocalStorage.run(ctx, fn);
}
