/**
 * Runs a worker's activity function in this process, outside a worker: the same activity context
 * (heartbeats, a cancellation signal that Ctrl-C trips) the worker gives it, built the way the
 * SDK's own MockActivityEnvironment builds it. `kisystem check-task` runs the real build and test
 * activities through it, so an author sees exactly what a worker would do with an answer.
 */
import { defaultFailureConverter, defaultPayloadConverter, noopMetricMeter, SdkComponent, ActivityCancellationDetails } from '@temporalio/common';
import { LoggerWithComposedMetadata } from '@temporalio/common/lib/logger';
import { DefaultLogger } from '@temporalio/worker';
import { Activity } from '@temporalio/worker/lib/activity';

export interface LocalActivityRun<R> {
  result: Promise<R>;
  /** Cancels the activity as the worker would (its processes are killed with their group). */
  cancel(): void;
}

export function runLocalActivity<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R>, ...args: A): LocalActivityRun<R> {
  const info = {
    attempt: 1,
    taskQueue: 'local',
    isLocal: false,
    taskToken: Buffer.from(name),
    base64TaskToken: Buffer.from(name).toString('base64'),
    activityId: name,
    activityType: name,
    workflowType: 'check-task',
    heartbeatTimeoutMs: undefined,
    heartbeatDetails: undefined,
    activityNamespace: 'local',
    workflowNamespace: 'local',
    namespace: 'local',
    workflowExecution: { workflowId: 'check-task', runId: '00000000-0000-0000-0000-000000000000' },
    scheduledTimestampMs: Date.now(),
    startToCloseTimeoutMs: 0,
    scheduleToCloseTimeoutMs: 0,
    currentAttemptScheduledTimestampMs: Date.now(),
    priority: undefined,
    retryPolicy: undefined,
    activityRunId: undefined,
    inWorkflow: false,
  };
  const converter = { payloadConverter: defaultPayloadConverter, payloadCodecs: [], failureConverter: defaultFailureConverter };
  const logger = LoggerWithComposedMetadata.compose(new DefaultLogger('WARN'), { sdkComponent: SdkComponent.worker });
  const activity = new Activity(
    info as ConstructorParameters<typeof Activity>[0],
    undefined,
    converter,
    { type: 'activity', namespace: 'local', activityId: name, workflowId: 'check-task', isLocal: false },
    undefined,
    () => undefined,
    undefined,
    logger,
    noopMetricMeter,
    [],
  );
  return {
    result: activity.runNoEncoding(fn as never, { args, headers: {} }) as Promise<R>,
    cancel: () => activity.cancel('CANCELLED', new ActivityCancellationDetails({ cancelRequested: true })),
  };
}
