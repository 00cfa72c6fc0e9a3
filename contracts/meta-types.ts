/** The Meta-Supervisor activities' inputs and results: what the workflow reads before it starts a task, and what it records. */
import type { StartDecision } from '../policy/rules/hybrid-decision';
import type { BiasRecommendation, ModelAggregate, PriorityExplanation } from '../policy/rules/meta-supervisor';
import type { LearnedRunTime } from '../policy/rules/start-rule';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { ErrorType } from '../policy/run-types';

export interface MetaSnapshotInput {
  taskId: string;
  domain: string;
  chain: string[];
  settings: Pick<KisystemConfig, 'meta_supervisor' | 'meta_supervisor_weights'>;
  /** The asking workflow: its own runs are never an "earlier submission". */
  workflowId?: string;
}

export interface MetaSnapshot {
  /** When the snapshot was taken (ISO). */
  takenAt: string;
  /** The bias for the task's domain, when a model qualifies. */
  bias: BiasRecommendation | null;
  /** The domain's priority with every factor (null without history). */
  priority: PriorityExplanation | null;
  /**
   * Failed model-phase runs of the same task id in its latest earlier submission only (one
   * workflow) and the newest error type among them.
   */
  earlierFailures: number;
  lastErrorType: ErrorType | null;
  /** Aged aggregates of the domain's models, model-phase runs only (the expected-cost rule's evidence). */
  models?: ModelAggregate[];
  /** Learned per-run seconds of the chain's models (medians of model-phase runs). */
  runTimes?: Record<string, LearnedRunTime>;
}

export interface RecordStartDecisionInput {
  taskId: string;
  workflowId: string;
  workflowRunId: string;
  domain: string;
  decision: StartDecision;
  decidedAt: string;
}
