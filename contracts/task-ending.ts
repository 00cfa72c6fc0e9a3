/**
 * How a task ended, said the same way everywhere: the Web UI's details, the KisystemStatus search
 * attribute, `kisystem status`, `list`, `submit --wait` and its exit code, the queue, the report.
 * The key is what machines read (search attribute values, the result's status, the queue's rows);
 * the word is what people read.
 */
export type TaskEnding = 'succeeded' | 'exhausted' | 'gave_up' | 'failed' | 'cancelled';

export const TASK_ENDINGS: readonly TaskEnding[] = ['succeeded', 'exhausted', 'gave_up', 'failed', 'cancelled'];

const WORDS: Readonly<Record<TaskEnding, string>> = { succeeded: 'succeeded', exhausted: 'exhausted', gave_up: 'given up', failed: 'failed', cancelled: 'cancelled' };

/** `kisystem submit --wait`'s exit code per ending (2 is a usage error). */
export const ENDING_EXIT_CODES: Readonly<Record<TaskEnding, number>> = { succeeded: 0, failed: 1, exhausted: 3, gave_up: 4, cancelled: 5 };

/** Of several tasks, the ending the exit code reports: the first of these that occurred. */
const EXIT_PRECEDENCE: readonly TaskEnding[] = ['failed', 'cancelled', 'gave_up', 'exhausted', 'succeeded'];

export function isTaskEnding(status: string | null | undefined): status is TaskEnding {
  return (TASK_ENDINGS as readonly string[]).includes(status ?? '');
}

/** The word people read for a status: an ending's word, or a live status with spaces ("waiting for model server"). */
export function statusWord(status: string): string {
  return isTaskEnding(status) ? WORDS[status] : status.replace(/_/g, ' ');
}

/**
 * A closed workflow's ending from Temporal's execution status and the search attribute the workflow
 * set last (tasks from before the final status was published have none: COMPLETED then says nothing
 * more than "not failed"). A terminated or timed-out workflow failed, as the queue counts it.
 */
export function endingOf(executionStatus: string, kisystemStatus: string | null | undefined): TaskEnding | null {
  if (isTaskEnding(kisystemStatus)) return kisystemStatus;
  switch (executionStatus) {
    case 'CANCELLED':
      return 'cancelled';
    case 'FAILED':
    case 'TERMINATED':
    case 'TIMED_OUT':
      return 'failed';
    default:
      return null;
  }
}

/** The exit code for the endings of several tasks. */
export function exitCodeOf(endings: readonly TaskEnding[]): number {
  const worst = EXIT_PRECEDENCE.find((e) => endings.includes(e)) ?? 'succeeded';
  return ENDING_EXIT_CODES[worst];
}
