/**
 * How a failure ends a task. A cancellation (`kisystem cancel`) is never wrapped: it propagates, so
 * the workflow ends CANCELLED. An activity that failed past its retries is an infrastructure fault:
 * never counted against a model, the task fails with a readable reason.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, CancelledFailure, isCancellation } from '@temporalio/workflow';
import { TASK_BROKEN } from './task-fault';

/**
 * Rethrows a cancellation. Also when the task was cancelled but the activity reported something
 * else (a host activity that wrapped its cancellation, or timed out while being cancelled).
 */
export function rethrowCancellation(error: unknown): void {
  if (isCancellation(error)) throw error;
  if (CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure('the task was cancelled', [], error instanceof Error ? error : undefined);
  }
}

/** The reason of an infrastructure fault, for messages and the optimization phase's stop reason. */
export function faultReason(error: unknown, during: string): string {
  if (error instanceof ActivityFailure) {
    const cause = error.cause;
    const type = cause instanceof ApplicationFailure ? cause.type : cause?.name;
    return `infrastructure fault during ${during} (not counted against any model): ${type ? `${type}: ` : ''}${cause?.message ?? error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** What the host activities report when the task's checker does not build or cannot judge: the task's fault. */
const CHECKER_FAULTS: ReadonlySet<string> = new Set(['CheckerBuildFailed', 'CheckerBroken']);

/**
 * Ends the task: a cancellation as such, a broken checker as the task's fault (TaskBroken), an
 * activity failure as an InfrastructureFault, anything else unchanged. None is charged to a model.
 */
export function infrastructureFault(error: unknown, during: string): never {
  rethrowCancellation(error);
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && CHECKER_FAULTS.has(error.cause.type ?? '')) {
    throw ApplicationFailure.create({
      type: TASK_BROKEN,
      message: `the task is broken, not the answer (${during} is not counted against any model): ${error.cause.type}: ${error.cause.message}`,
      nonRetryable: true,
      cause: error,
    });
  }
  if (error instanceof ActivityFailure) {
    throw ApplicationFailure.create({ type: 'InfrastructureFault', message: faultReason(error, during), nonRetryable: true, cause: error });
  }
  throw error;
}
