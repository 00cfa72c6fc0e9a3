/**
 * The Meta-Supervisor from a workflow's point of view: one activity reads the learning history
 * (SQL aggregates) and hands the workflow a snapshot; the workflow decides deterministically.
 * Another records the start decision with its inputs (idempotent per workflow run).
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { domainAggregates, modelAggregates } from '../db/meta-repository';
import type { Database } from '../db/tables';
import type { StartDecision } from '../policy/hybrid-decision';
import { explainPriority, recommendModelBias, type BiasRecommendation, type PriorityExplanation } from '../policy/meta-supervisor';
import type { KisystemConfig } from '../policy/config-schema';
import type { ErrorType } from '../policy/run-types';

export interface MetaSnapshotInput {
  taskId: string;
  domain: string;
  chain: string[];
  settings: Pick<KisystemConfig, 'meta_supervisor' | 'meta_supervisor_weights'>;
}

export interface MetaSnapshot {
  /** When the snapshot was taken (ISO). */
  takenAt: string;
  /** The bias for the task's domain, when a model qualifies. */
  bias: BiasRecommendation | null;
  /** The domain's priority with every factor (null without history). */
  priority: PriorityExplanation | null;
  /** Earlier failed runs of the same task id (a resubmission) and the newest error type among them. */
  earlierFailures: number;
  lastErrorType: ErrorType | null;
}

export interface RecordStartDecisionInput {
  taskId: string;
  workflowId: string;
  workflowRunId: string;
  domain: string;
  decision: StartDecision;
  decidedAt: string;
}

export function createMetaActivities(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function loadMetaSnapshot(input: MetaSnapshotInput): Promise<MetaSnapshot> {
    const now = new Date();
    const [models, domains, failures] = await Promise.all([
      modelAggregates(db, now, input.settings.meta_supervisor.aging_days, input.domain),
      domainAggregates(db),
      sql<{ failures: string; last_error_type: ErrorType | null }>`
        select count(*) as failures,
          (select error_type from runs where task_id = ${input.taskId} and outcome = 'failure' order by finished_at desc limit 1) as last_error_type
        from runs where task_id = ${input.taskId} and outcome = 'failure'`.execute(db),
    ]);
    const bias = recommendModelBias(models, { [input.domain]: input.chain }, input.settings.meta_supervisor);
    const domain = domains.find((d) => d.domain === input.domain);
    return {
      takenAt: now.toISOString(),
      bias: bias[input.domain] ?? null,
      priority: domain ? explainPriority(domain, now, input.settings) : null,
      earlierFailures: Number(failures.rows[0]?.failures ?? 0),
      lastErrorType: failures.rows[0]?.last_error_type ?? null,
    };
  }

  /** Stores the start decision once per workflow run (a retried call adds nothing). */
  async function recordStartDecision(input: RecordStartDecisionInput): Promise<boolean> {
    const d = input.decision;
    const inserted = await db
      .insertInto('start_decisions')
      .values({
        task_id: input.taskId,
        workflow_id: input.workflowId,
        workflow_run_id: input.workflowRunId,
        domain: input.domain,
        model: d.model,
        rule: d.rule,
        meta_enabled: d.metaEnabled,
        bias_model: d.biasModel,
        bias_confidence: d.biasConfidence,
        bias_runs: d.biasRuns,
        meta_score: d.metaScore,
        complexity: d.complexity,
        failure_state: d.failureState,
        final_score: d.finalScore,
        score_model: d.scoreModel,
        chain: d.chain,
        summary: d.summary,
        decided_at: input.decidedAt,
      })
      .onConflict((oc) => oc.column('workflow_run_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  return { loadMetaSnapshot, recordStartDecision };
}

export type MetaActivities = ReturnType<typeof createMetaActivities>;
