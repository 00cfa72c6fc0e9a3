/** Database activity of the workflow worker: one profiled optimization iteration into `profiles`. */
import type { Kysely } from 'kysely';
import { insertProfileOnce } from '../db/profiles-repository';
import type { Database } from '../db/tables';
import type { CachegrindSummary } from '../policy/parsers/cachegrind-report';
import type { NcuSummary } from '../policy/parsers/ncu-report';

export interface RecordProfileInput {
  taskId: string;
  workflowId: string;
  workflowRunId: string;
  attemptNo: number;
  iteration: number;
  domain: string;
  model: string;
  tier: 0 | 1;
  rule: string;
  summary: string;
  score: number;
  scoreChange: number | null;
  timeMs: number;
  accepted: boolean;
  microbenchMs: number;
  fullProfileMs: number;
  tool: string | null;
  fellBack: string | null;
  /** The full profile's summary (tier 1 only): cachegrind's when `tool` is 'cachegrind', else Nsight Compute's. */
  profile: NcuSummary | CachegrindSummary | null;
}

/** The profile's columns: ncu's metrics, or for cachegrind the hot function, bottleneck and its facts (in top_rules). */
function profileColumns(tool: string | null, summary: NcuSummary | CachegrindSummary | null) {
  if (tool === 'cachegrind' && summary) {
    const s = summary as CachegrindSummary;
    return {
      kernel_name: s.hotFunctions[0]?.name ?? null,
      sm_throughput_pct: null,
      memory_throughput_pct: null,
      dram_throughput_pct: null,
      achieved_occupancy_pct: null,
      bottleneck: s.bottleneck,
      top_rules: JSON.stringify({ estimatedCycles: s.estimatedCycles, instructions: s.instructions, d1MissRatePct: s.d1MissRatePct, llMissRatePct: s.llMissRatePct, mispredictRatePct: s.mispredictRatePct, hotFunctions: s.hotFunctions, hotLines: s.hotLines }),
    };
  }
  const p = summary as NcuSummary | null;
  return {
    kernel_name: p?.kernelName ?? null,
    sm_throughput_pct: p?.smThroughputPct ?? null,
    memory_throughput_pct: p?.memoryThroughputPct ?? null,
    dram_throughput_pct: p?.dramThroughputPct ?? null,
    achieved_occupancy_pct: p?.achievedOccupancyPct ?? null,
    bottleneck: p?.bottleneck ?? null,
    top_rules: p ? JSON.stringify(p.topRules) : null,
  };
}

export function createProfileHistoryActivities(deps: { db: Kysely<Database> }) {
  /** Writes one profile; retried calls for the same iteration add nothing. Returns whether it was new. */
  async function recordProfile(input: RecordProfileInput): Promise<boolean> {
    return insertProfileOnce(deps.db, {
      task_id: input.taskId,
      workflow_id: input.workflowId,
      workflow_run_id: input.workflowRunId,
      attempt_no: input.attemptNo,
      iteration: input.iteration,
      domain: input.domain,
      model: input.model,
      tier: input.tier,
      rule: input.rule,
      summary: input.summary,
      score: input.score,
      score_change: input.scoreChange,
      time_ms: input.timeMs,
      accepted: input.accepted,
      microbench_ms: Math.round(input.microbenchMs),
      full_profile_ms: Math.round(input.fullProfileMs),
      tool: input.tool,
      fell_back: input.fellBack,
      ...profileColumns(input.tool, input.profile),
    });
  }
  return { recordProfile };
}

export type ProfileHistoryActivities = ReturnType<typeof createProfileHistoryActivities>;
