/** Database activities of the workflow worker: writing runs to the learning history. */
import type { Kysely } from 'kysely';
import { insertRunOnce } from '../db/runs-repository';
import type { Database } from '../db/tables';
import type { RecordRunInput } from '../contracts/activity-types';

export function createLearningActivities(deps: { db: Kysely<Database> }) {
  /** Writes one run; retried calls for the same run add nothing. Returns whether it was new. */
  async function recordRun(run: RecordRunInput): Promise<boolean> {
    return insertRunOnce(deps.db, {
      task_id: run.taskId,
      workflow_id: run.workflowId,
      workflow_run_id: run.workflowRunId,
      attempt_no: run.attemptNo,
      domain: run.domain,
      model: run.model,
      source: run.source,
      phase: run.phase,
      outcome: run.outcome,
      error_type: run.errorType,
      severity: run.severity,
      recoverable: run.recoverable,
      rule: run.rule,
      first_error_line: run.firstErrorLine,
      hint: run.hint,
      decision: run.decision,
      decision_kind: run.decisionKind ?? null,
      decision_rule: run.decisionRule ?? null,
      llm_ms: Math.round(run.llmMs),
      build_ms: Math.round(run.buildMs),
      test_ms: Math.round(run.testMs),
      duration_ms: Math.round(run.llmMs + run.buildMs + run.testMs),
      host: run.host,
      sandbox: run.sandbox ?? null,
      verdict_source: run.verdictSource ?? null,
      in_learning: run.inLearning ?? true,
      code: run.code,
      output: run.output,
      started_at: run.startedAt,
      finished_at: run.finishedAt,
    });
  }
  return { recordRun };
}

export type LearningActivities = ReturnType<typeof createLearningActivities>;
