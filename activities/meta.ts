/**
 * The Meta-Supervisor from a workflow's point of view: one activity reads the learning history
 * (SQL aggregates) and hands the workflow a snapshot; the workflow decides deterministically.
 * Another records the start decision with its inputs (idempotent per workflow run).
 */
import type { Kysely } from 'kysely';
import { domainAggregates, earlierSubmissionFailures, learnedRunTimes, modelAggregates } from '../db/meta-repository';
import type { Database } from '../db/tables';
import type { MetaSnapshot, MetaSnapshotInput, RecordStartDecisionInput } from '../contracts/meta-types';
import { explainPriority, recommendModelBias } from '../policy/rules/meta-supervisor';
import type { ErrorType } from '../policy/run-types';

export function createMetaActivities(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function loadMetaSnapshot(input: MetaSnapshotInput): Promise<MetaSnapshot> {
    const now = new Date();
    const [models, domains, failures, runTimes] = await Promise.all([
      modelAggregates(db, now, input.settings.meta_supervisor.aging_days, input.domain),
      domainAggregates(db),
      earlierSubmissionFailures(db, input.taskId, input.workflowId ?? null),
      learnedRunTimes(db, input.domain, input.chain),
    ]);
    const bias = recommendModelBias(models, { [input.domain]: input.chain }, input.settings.meta_supervisor);
    const domain = domains.find((d) => d.domain === input.domain);
    return {
      takenAt: now.toISOString(),
      bias: bias[input.domain] ?? null,
      priority: domain ? explainPriority(domain, now, input.settings) : null,
      earlierFailures: failures.failures,
      lastErrorType: (failures.lastErrorType as ErrorType | null) ?? null,
      models,
      runTimes,
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
        start_rule: d.startRule ?? 'guide',
        positions: d.positions ? JSON.stringify(d.positions) : null,
      })
      .onConflict((oc) => oc.column('workflow_run_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  return { loadMetaSnapshot, recordStartDecision };
}

export type MetaActivities = ReturnType<typeof createMetaActivities>;
