/**
 * A task started by a v2 queue: the queue hands it only the key of its stored body; it loads the body
 * from Postgres (one activity, in its own history) and then runs exactly as `taskWorkflow`. The queue's
 * history never holds a task body.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { QueueStoreActivities } from '../activities/queue-store';
import type { TaskResult, TaskWorkflowInput } from '../contracts/task-messages';
import { taskWorkflow } from './task-workflow';

export interface QueuedTaskInput extends Omit<TaskWorkflowInput, 'task'> {
  bodyId: string;
}

const { loadQueuedTask } = proxyActivities<QueueStoreActivities>({
  // One row read: a read lost with its worker is retried on another after this.
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['QueuedTaskMissing'] },
});

export async function queuedTaskWorkflow(input: QueuedTaskInput): Promise<TaskResult> {
  const { bodyId, ...rest } = input;
  const task = await loadQueuedTask({ bodyId });
  return taskWorkflow({ ...rest, task });
}
