/** Table types of the learning history (kysely). */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** One run: one model answer (or a person's), built and tested. */
export interface RunsTable {
  id: Generated<string>;
  task_id: string;
  workflow_id: string;
  /** Temporal run id of the workflow execution: with `attempt_no` it makes a run unique. */
  workflow_run_id: string;
  /** 1-based number of this run within its task workflow. */
  attempt_no: number;
  domain: string;
  model: string;
  /** 'model', or 'manual' for code handed in by a person at the fallback. */
  source: string;
  /** Where the run ended: GENERATE, BUILD, TEST (or PROFILE). */
  phase: string;
  /** 'success' or 'failure'. */
  outcome: string;
  error_type: string | null;
  severity: number | null;
  recoverable: boolean | null;
  rule: string | null;
  first_error_line: string | null;
  hint: string | null;
  /** What the stop-loss rule decided after this run ("retry", "escalate -> m", "fallback"). */
  decision: string | null;
  /** The decision's kind and rule as columns (statistics read these, never `decision`). */
  decision_kind: DecisionKind | null;
  decision_rule: DecisionRule | null;
  llm_ms: number;
  build_ms: number;
  test_ms: number;
  duration_ms: number;
  host: string | null;
  /** The sandbox the run's build and test ran in ('bubblewrap', 'none' = unsandboxed); null for older rows and runs without a build. */
  sandbox: ColumnType<string | null, string | null | undefined, never>;
  /** 'checker' (the task's trusted checker judged) or 'self-reported' (the candidate's own, forgeable verdict); null for older rows. */
  verdict_source: ColumnType<'checker' | 'self-reported' | null, 'checker' | 'self-reported' | null | undefined, never>;
  /** false: the learning leaves the run out (a self-reported verdict, unless the config counts them). */
  in_learning: ColumnType<boolean, boolean | undefined, never>;
  code: string | null;
  output: string | null;
  started_at: ColumnType<Date, Date | string, never>;
  finished_at: ColumnType<Date, Date | string, never>;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface Database {
  runs: RunsTable;
  start_decisions: StartDecisionsTable;
  queue_tasks: QueueTasksTable;
  profiles: ProfilesTable;
  queue_task_bodies: QueueTaskBodiesTable;
}

export type RunRow = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;

/** A task's start decision with its inputs (issue: every decision is stored and readable). */
export interface StartDecisionsTable {
  id: Generated<string>;
  task_id: string;
  workflow_id: string;
  workflow_run_id: string;
  domain: string;
  model: string;
  rule: string;
  meta_enabled: boolean;
  bias_model: string | null;
  bias_confidence: number | null;
  bias_runs: number | null;
  meta_score: number;
  complexity: number;
  failure_state: number;
  final_score: number;
  score_model: string;
  chain: string[];
  summary: string;
  decided_at: ColumnType<Date, Date | string, never>;
  /** "guide" or "expected-cost" (decisions made before the column existed: "guide"). */
  start_rule: ColumnType<string, string | undefined, never>;
  /** The chain positions the expected-cost rule weighed (StartPosition[]), null under "guide". */
  positions: ColumnType<unknown, string | null | undefined, never>;
}

/** A task in a named cost-aware queue (upserted by (queue, key) as it waits, starts and ends). */
export interface QueueTasksTable {
  queue: string;
  key: string;
  task_id: string;
  workflow_id: string | null;
  priority_score: number;
  eta_seconds: number;
  added_at: ColumnType<Date, Date | string, Date | string>;
  started_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  finished_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
  status: QueueTaskStatus;
}

/** One profiled iteration of an optimization phase (two-tier profiling). */
export interface ProfilesTable {
  id: Generated<string>;
  task_id: string;
  workflow_id: string;
  workflow_run_id: string;
  attempt_no: number;
  iteration: number;
  domain: string;
  model: string;
  /** 0: microbenchmark only, 1: microbenchmark and full profile. */
  tier: number;
  /** decideTier's rule (baseline, score-change, slow-regression, stale-full-profile, target-estimate, two-tier-disabled, no-trigger). */
  rule: string;
  summary: string;
  score: number;
  /** Score change against the previous profiled iteration (null at the baseline). */
  score_change: number | null;
  time_ms: number;
  accepted: boolean;
  /** Measured wall time of the microbenchmark and of the full profile (0 at tier 0). */
  microbench_ms: number;
  full_profile_ms: number;
  tool: string | null;
  fell_back: string | null;
  kernel_name: string | null;
  sm_throughput_pct: number | null;
  memory_throughput_pct: number | null;
  dram_throughput_pct: number | null;
  achieved_occupancy_pct: number | null;
  bottleneck: string | null;
  top_rules: ColumnType<unknown, string | null, never> | null;
  recorded_at: ColumnType<Date, Date | string | undefined, never>;
}

export type NewProfile = Insertable<ProfilesTable>;

// ---- the v2 queue's task bodies ----

/** A resolved task waiting in a queue, stored once by its content address (`body_id`). */
export interface QueueTaskBodiesTable {
  body_id: string;
  task_id: string;
  /** The resolved task (jsonb). */
  body: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
}

// ---- literal unions of the persistence contract ----

/** runs.decision_kind / decision_rule: what stop-loss decided after a failed run, and by which rule (policy/rules/decision-columns.ts). */
export type { DecisionKind, DecisionRule } from '../policy/rules/decision-columns';
import type { DecisionKind, DecisionRule } from '../policy/rules/decision-columns';
/** queue_tasks.status */
export type QueueTaskStatus = 'pending' | 'running' | 'succeeded' | 'exhausted' | 'gave_up' | 'failed' | 'cancelled';
