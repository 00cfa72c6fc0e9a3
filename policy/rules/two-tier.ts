/**
 * Two-tier profiling (guide section 4). Pure: no I/O.
 *
 * Flow of one optimization iteration:
 *  1. Tier 0 (cheap) runs first: the task's benchmark program prints its kernel time
 *     (policy/parsers/microbench-line.ts) and the score is estimated from the last full profile with
 *     {@link estimateScoreFromTime}. At iteration 0 there is no full profile yet, so no estimate
 *     (`currentScore: null`).
 *  2. {@link decideTier} says whether tier 1 (Nsight Compute, policy/parsers/ncu-report.ts) must run as well.
 *     A tier-1 result replaces the estimate: its score is {@link fullProfileScore}.
 *  3. The iteration is appended to the history with the tier that ran and the score that counted.
 *
 * Score: 0..100, the kernel's speed-of-light (larger of SM and memory throughput %).
 *
 * Triggers for tier 1, in this order (the first that holds is reported):
 *  - two-tier profiling disabled: always tier 1;
 *  - baseline: iteration 0, no full profile in the history yet, or no tier-0 score this iteration;
 *  - score-change (the guide's rule): |score - previous iteration's score| > threshold;
 *  - slow-regression (beyond the guide): the score fell by more than the threshold
 *    since the last full profile (75, 72, 69: caught at 69). Rises are left to the guide's rule so
 *    its example 75, 78, 82, 88 keeps its full profiles at iterations 0 and 3 only;
 *  - stale-full-profile: the last full profile is more than `maxTier0Streak` iterations old
 *    (guide: `iteration - last_profile_iter > 5`);
 *  - target-estimate (beyond the guide): the estimate reaches `target` while no full profile has.
 *    The phase would end on it, and an estimate is a time ratio times an older score (capped at
 *    100): a full profile confirms the target before the phase ends there.
 * Otherwise tier 0 suffices ('no-trigger').
 *
 * Comparisons are strict (a change of exactly the threshold does not trigger) with a tolerance of
 * 1e-9 points, so that floating-point noise in estimated scores (80.1 - 75.1) does not turn an
 * exact-threshold change into a trigger.
 */

export interface TierHistoryEntry {
  iteration: number;
  tier: 0 | 1;
  /** The score that counted for that iteration: the full-profile score for tier 1, the estimate for tier 0. */
  score: number;
}

export type TierRule = 'baseline' | 'score-change' | 'slow-regression' | 'stale-full-profile' | 'target-estimate' | 'two-tier-disabled' | 'no-trigger';

export interface TierDecision {
  tier: 0 | 1;
  rule: TierRule;
  reason: string;
  /** for the Web UI, e.g. "iteration 3: tier 1, score +6 > 5" */
  summary: string;
}

export interface DecideTierInput {
  iteration: number;
  /** score measured this iteration by the microbenchmark (tier 0), when one ran first */
  currentScore: number | null;
  /** Earlier iterations; entries at or after `iteration` are ignored. */
  history: TierHistoryEntry[];
  /** `two_tier_profiling.score_change_threshold` (points, default 5). */
  threshold: number;
  /** `two_tier_profiling.max_tier0_streak` (default 5). */
  maxTier0Streak: number;
  /** `enable_two_tier_profiling`. */
  enabled: boolean;
  /** `target_score`: an estimate that reaches it gets a full profile (rule target-estimate); absent or null: no such rule. */
  target?: number | null;
}

/** Tolerance of the strict comparisons, in score points. */
const EPSILON = 1e-9;

/** Signed score points for messages: "+6", "-2.5", "0". */
function signed(points: number): string {
  const rounded = Math.round(points * 10) / 10;
  if (rounded === 0) return '0';
  return `${rounded > 0 ? '+' : ''}${rounded}`;
}

function plain(points: number): string {
  return String(Math.round(points * 10) / 10);
}

export function decideTier(input: DecideTierInput): TierDecision {
  const { iteration, currentScore, threshold, maxTier0Streak, enabled } = input;
  if (!Number.isInteger(iteration) || iteration < 0) throw new RangeError(`iteration must be a non-negative integer, got ${iteration}`);
  if (!Number.isFinite(threshold) || threshold < 0) throw new RangeError(`score change threshold must be a non-negative number, got ${threshold}`);
  if (!Number.isInteger(maxTier0Streak) || maxTier0Streak < 1) throw new RangeError(`max tier-0 streak must be an integer >= 1, got ${maxTier0Streak}`);
  if (currentScore !== null && !Number.isFinite(currentScore)) throw new RangeError(`current score must be a finite number or null, got ${currentScore}`);

  const at = `iteration ${iteration}`;
  const full = (rule: TierRule, reason: string, detail: string): TierDecision => ({ tier: 1, rule, reason, summary: `${at}: tier 1, ${detail}` });

  if (!enabled) return full('two-tier-disabled', 'two-tier profiling is disabled: every iteration gets a full profile', 'two-tier profiling disabled');

  const earlier = input.history.filter((h) => h.iteration < iteration && Number.isFinite(h.score));
  let previous: TierHistoryEntry | undefined;
  let lastFull: TierHistoryEntry | undefined;
  for (const h of earlier) {
    if (!previous || h.iteration > previous.iteration) previous = h;
    if (h.tier === 1 && (!lastFull || h.iteration > lastFull.iteration)) lastFull = h;
  }

  if (iteration === 0) return full('baseline', 'iteration 0: the baseline is always fully profiled', 'baseline');
  if (!lastFull || !previous) return full('baseline', 'no full profile yet: this one becomes the baseline', 'baseline (no full profile yet)');
  if (currentScore === null) return full('baseline', 'no microbenchmark score this iteration: a full profile measures it', 'baseline (no tier-0 score)');

  const change = currentScore - previous.score;
  if (Math.abs(change) > threshold + EPSILON) {
    return full(
      'score-change',
      `score changed by ${signed(change)} against iteration ${previous.iteration} (${plain(previous.score)} -> ${plain(currentScore)}), more than the threshold ${plain(threshold)}`,
      `score ${signed(change)} > ${plain(threshold)}`,
    );
  }

  const sinceFull = currentScore - lastFull.score;
  if (-sinceFull > threshold + EPSILON) {
    return full(
      'slow-regression',
      `score fell by ${plain(-sinceFull)} since the full profile at iteration ${lastFull.iteration} (${plain(lastFull.score)} -> ${plain(currentScore)}), more than the threshold ${plain(threshold)}`,
      `score ${signed(sinceFull)} since full profile at iteration ${lastFull.iteration} > ${plain(threshold)}`,
    );
  }

  const age = iteration - lastFull.iteration;
  if (age > maxTier0Streak) {
    return full(
      'stale-full-profile',
      `the last full profile (iteration ${lastFull.iteration}) is ${age} iterations old, more than max_tier0_streak ${maxTier0Streak}`,
      `last full profile ${age} iterations ago > ${maxTier0Streak}`,
    );
  }

  const target = input.target ?? null;
  if (target !== null && currentScore >= target - EPSILON && lastFull.score < target - EPSILON) {
    return full(
      'target-estimate',
      `the estimated score ${plain(currentScore)} reaches the target ${plain(target)}, which no full profile has yet (the last, at iteration ${lastFull.iteration}: ${plain(lastFull.score)}): a full profile confirms it before the phase ends on it`,
      `estimate ${plain(currentScore)} reaches target ${plain(target)}`,
    );
  }

  return {
    tier: 0,
    rule: 'no-trigger',
    reason: `score changed by ${signed(change)} against iteration ${previous.iteration} and by ${signed(sinceFull)} since the full profile at iteration ${lastFull.iteration}, within the threshold ${plain(threshold)}; the full profile is ${age} iteration(s) old`,
    summary: `${at}: tier 0, score ${signed(change)} <= ${plain(threshold)}`,
  };
}

/**
 * Tier-0 score estimate: score_last_full * t_last_full / t_now, capped at 100 (a kernel twice as
 * fast as at its last full profile is estimated at twice the speed-of-light fraction).
 */
export function estimateScoreFromTime(lastFullScore: number, lastFullTimeMs: number, nowTimeMs: number): number {
  if (!Number.isFinite(lastFullScore) || lastFullScore < 0) throw new RangeError(`last full-profile score must be a finite number >= 0, got ${lastFullScore}`);
  if (!Number.isFinite(lastFullTimeMs) || lastFullTimeMs <= 0) throw new RangeError(`last full-profile time must be a positive number of ms, got ${lastFullTimeMs}`);
  if (!Number.isFinite(nowTimeMs) || nowTimeMs <= 0) throw new RangeError(`current time must be a positive number of ms, got ${nowTimeMs}`);
  return Math.min(100, (lastFullScore * lastFullTimeMs) / nowTimeMs);
}

/** Tier-1 score: the kernel's speed-of-light, the larger of its SM and memory throughput %, clamped to 0..100. */
export function fullProfileScore(m: { smThroughputPct: number; memoryThroughputPct: number }): number {
  if (!Number.isFinite(m.smThroughputPct) || !Number.isFinite(m.memoryThroughputPct)) {
    throw new RangeError(`throughputs must be finite percentages, got SM ${m.smThroughputPct} and memory ${m.memoryThroughputPct}`);
  }
  return Math.min(100, Math.max(0, m.smThroughputPct, m.memoryThroughputPct));
}

/**
 * How much faster than its first correct answer a C++ kernel is at least asked to become. A
 * compute-bound baseline spends nearly all its estimated cycles on instructions (a FIR filter's
 * scalar loop: 98.6 % under cachegrind), so measured against its own instructions it would score
 * about 99 and stop the phase at once ("target reached") with all of SSE's four float lanes unused.
 */
export const CPU_HEADROOM = 4;

/**
 * The estimated cycles a C++ task's kernels are scored against, from its baseline profile: the
 * baseline's instructions without a single miss or misprediction, but never more than 1 /
 * CPU_HEADROOM of the baseline's estimated cycles. A memory-bound baseline (the naive transpose:
 * 4.9 % of its cycles are instructions) is scored against its instructions; a compute-bound one
 * against a quarter of its cycles, so that it starts at 25 at most.
 */
export function cachegrindYardstick(baseline: { instructions: number; estimatedCycles: number }): number {
  return Math.min(baseline.instructions, baseline.estimatedCycles / CPU_HEADROOM);
}

/**
 * Tier-1 score of a C++ kernel from its cachegrind profile (policy/parsers/cachegrind-report.ts):
 * 100 x the task's yardstick (cachegrindYardstick of the baseline) / this kernel's estimated
 * cycles, clamped to 0..100. At a memory-bound baseline it is the share of the estimated cycles
 * spent executing instructions rather than waiting on cache misses and mispredicted branches;
 * afterwards it grows in proportion to the cut in estimated cycles, so that, like the time, it never
 * rewards doing the same work with more cycles, and a candidate that does less work to the same end
 * scores higher (the speed-of-light of a GPU kernel has the same property). 100: the kernel costs no
 * more cycles than the yardstick.
 */
export function cachegrindScore(m: { estimatedCycles: number }, yardstick: number): number {
  if (!Number.isFinite(m.estimatedCycles) || m.estimatedCycles <= 0) throw new RangeError(`estimated cycles must be a positive number, got ${m.estimatedCycles}`);
  if (!Number.isFinite(yardstick) || yardstick <= 0) throw new RangeError(`the yardstick must be a positive number of cycles, got ${yardstick}`);
  return Math.min(100, Math.max(0, (100 * yardstick) / m.estimatedCycles));
}
