/**
 * The start decision (guide sections 1 and 3): the Meta-Supervisor's snapshot in, a deterministic
 * choice out. One pure function from policy/ decides; this module loads its input and stores its output.
 */
import type { MetaSnapshot } from '../contracts/meta-types';
import type { TaskActivities } from './task-activities';
import { taskComplexityText } from '../policy/rules/complexity';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { StartDecision } from '../policy/rules/hybrid-decision';
import { startSnapshotOf, decideTaskStart } from '../policy/rules/start-rule';
import { chainForDomain } from '../policy/rules/routing';
import type { ResolvedTask } from '../policy/schemas/task-schema';

export interface TaskStart {
  /** The domain's chain as routing gives it, and why. */
  chain: ReturnType<typeof chainForDomain>;
  start: StartDecision;
  snapshot: MetaSnapshot;
}

/** Loads the Meta-Supervisor's snapshot of the task's domain, then lets the start rule choose the start model. */
export async function planTaskStart(meta: TaskActivities['meta'], task: ResolvedTask, config: KisystemConfig, workflowId: string): Promise<TaskStart> {
  const chain = chainForDomain(config, task.domain);
  const snapshot = await meta.loadMetaSnapshot.executeWithOptions({ summary: `Meta-Supervisor: history of ${task.domain} and task ${task.id}` }, [
    {
      taskId: task.id, domain: task.domain, chain: [...chain.models],
      settings: { meta_supervisor: config.meta_supervisor, meta_supervisor_weights: config.meta_supervisor_weights }, workflowId,
    },
  ]);
  // A config from before `start_rule` existed (a replayed history) keeps the guide's rule, and draws nothing.
  const startRule = config.start_rule ?? 'guide';
  const start = decideTaskStart(
    startSnapshotOf(
      task.domain, chain.models, snapshot, taskComplexityText(task),
      { failures: snapshot.earlierFailures, lastErrorType: snapshot.lastErrorType },
    ),
    { ...config, start_rule: startRule },
    // The workflow's Math.random is seeded by Temporal: the same draws on replay.
    startRule === 'expected-cost' ? chain.models.map(() => Math.random()) : [],
  );
  return { chain, start, snapshot };
}

/** Stores the decision with every input (start_decisions), its summary on the Web UI's timeline. */
export async function recordTaskStart(
  meta: TaskActivities['meta'], task: ResolvedTask, ids: { workflowId: string; workflowRunId: string }, decided: TaskStart,
): Promise<void> {
  await meta.recordStartDecision.executeWithOptions({ summary: decided.start.summary }, [
    {
      taskId: task.id, workflowId: ids.workflowId, workflowRunId: ids.workflowRunId, domain: task.domain, decision: decided.start,
      decidedAt: decided.snapshot.takenAt,
    },
  ]);
}
