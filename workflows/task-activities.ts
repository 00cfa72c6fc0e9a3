/** The task workflow's activity proxies: one per policy, with explicit timeouts and retries. */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { LearningActivities } from '../activities/learning';
import type { LlmActivities } from '../activities/llm';
import type { MetaActivities } from '../activities/meta';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { TaskQueues } from '../contracts/task-messages';

/** Model-server faults the workflow waits out itself, so Temporal must not retry them (an outage would be spent in a few quick retries). */
export const MODEL_SERVER_FAULTS = ['LlmUnavailable', 'ModelNotAvailable'];

export function taskActivities(config: KisystemConfig, queues: TaskQueues) {
  const llm = proxyActivities<LlmActivities>({
    taskQueue: queues.gpu,
    // The answer's own time plus a cold load before the first token (the activity enforces that part itself).
    startToCloseTimeout: `${config.timeouts.llm + (config.llm.first_token_timeout_seconds ?? 0)} seconds`,
    // The activity beats on a 5 s timer (also while a cold model loads), so a lost one is noticed soon.
    heartbeatTimeout: `${Math.max(config.timeouts.heartbeat, 15)} seconds`,
    // No process to kill: a cancelled task need not wait for the stream to notice.
    cancellationType: ActivityCancellationType.TRY_CANCEL,
    retry: {
      maximumAttempts: config.retry_llm + 1,
      initialInterval: '2 seconds',
      maximumInterval: '2 minutes',
      nonRetryableErrorTypes: ['LlmRequestRejected', 'PromptTooLong', ...MODEL_SERVER_FAULTS],
    },
  });
  const learning = proxyActivities<LearningActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  const meta = proxyActivities<MetaActivities>({
    // Reads of the rollup (well under a second at a million runs): a call lost with its worker is retried after this.
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  return { llm, learning, meta };
}

export type TaskActivities = ReturnType<typeof taskActivities>;
