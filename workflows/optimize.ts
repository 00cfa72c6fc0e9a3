/**
 * The optimization phase of a task (issue 4, decisions.md "Two-tier profiling"), run by taskWorkflow
 * after the first passing candidate when the task has a `benchmark` section.
 *
 * - Iteration 0: the passing candidate is microbenchmarked (tier 0, its time) and fully profiled
 *   (tier 1, decideTier's baseline): the best candidate so far.
 * - Iterations 1..max_optimization_iterations: the current model gets the best code and the last
 *   full profile's figures (policy/optimize-prompt.ts); the new candidate is built and tested on
 *   fresh random inputs (buildAndTest through the task workflow's `attempt`). A failing test is a
 *   LOGIC failure and never becomes the best. A correct candidate is microbenchmarked, its score
 *   estimated from the last full profile (estimateScoreFromTime), and fully profiled when decideTier
 *   says so. It becomes the best only when it is faster (lower median time): a regression never
 *   replaces the best, and counts as a PERFORMANCE failure.
 * - Stop-loss (policy/stop-loss.ts) applies to the phase's failures with its own counter, starting
 *   at the model that passed; an accepted improvement resets the counter. A "fallback" decision ends
 *   the phase (the task already has correct code: nobody is asked for more).
 * - The phase stops when the best score reaches target_score, after max_optimization_iterations, at
 *   a stop-loss fallback, or when profiling itself cannot work (no bench line, no profiler, an
 *   unreadable report): then the best so far is kept and the reason is in the summary.
 *
 * Every tier decision is visible in the Web UI: the full profile's activity summary is decideTier's
 * summary ("iteration 3: tier 1, score +6 > 5"), and each iteration's recordRun summary starts with it.
 * Deterministic: all I/O is in activities.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { FailedBenchmarkRun, ProfileActivities, FullProfileResult, MicrobenchmarkResult } from '../activities/profile';
import type { ProfileHistoryActivities } from '../activities/profile-history';
import { categorize, categorizePerformance } from '../policy/categorizer';
import type { ExtractedFile } from '../policy/extract-code';
import type { NcuSummary } from '../policy/ncu-report';
import { buildOptimizePrompt } from '../policy/optimize-prompt';
import type { ChatMessage } from '../policy/prompt';
import type { Categorization } from '../policy/run-types';
import { afterFailure, currentModel, type EscalationState, type StopLossDecision } from '../policy/stop-loss';
import { decideTier, estimateScoreFromTime, type TierDecision, type TierHistoryEntry } from '../policy/two-tier';
import type { AttemptOutcome, CandidateContext } from './candidate';
import { fullProfileInputFor, microbenchmarkInputFor } from './host-inputs';
import type { OptimizationIteration, OptimizationSummary } from './messages';

/** The passing candidate the phase starts from. */
export interface PassingCandidate {
  files: ExtractedFile[];
  runFolder: string;
  hostQueue: string;
  attemptNo: number;
  model: string;
}

export interface OptimizeDeps {
  /** The phase's own stop-loss state, at the model that passed. */
  escalation: EscalationState;
  /** Generate with `messages`, build, test on fresh inputs, categorize (the task workflow's attempt). */
  attempt(attemptNo: number, model: string, messages: ChatMessage[]): Promise<AttemptOutcome>;
  /** Records a run in the history and the workflow state. */
  record(attemptNo: number, model: string, outcome: AttemptOutcome, decision: StopLossDecision | null, extra: { note: string; phase?: string }): Promise<unknown>;
  /** Called after every iteration: the summary so far and the phase's stop-loss state (Web UI, queries). */
  update(summary: OptimizationSummary, escalation: EscalationState): void;
}

/** Profiling failures that end the phase (the best so far is kept): not the candidate's fault to retry. */
const PROFILE_STOPPERS = ['BenchmarkOutputMissing', 'ProfilerMissing', 'ProfileUnparsable'];

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The candidate's failed benchmark run, when `error` is a `BenchmarkFailed` activity failure. */
function failedBenchmark(error: unknown): FailedBenchmarkRun | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'BenchmarkFailed') return null;
  const run = cause.details?.[0] as Partial<FailedBenchmarkRun> | undefined;
  return { exitCode: run?.exitCode ?? null, signal: run?.signal ?? null, timedOut: run?.timedOut ?? false, output: run?.output ?? cause.message, limitKill: run?.limitKill ?? null };
}

function profileStopper(error: unknown): string | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && PROFILE_STOPPERS.includes(cause.type)) return `${cause.type}: ${cause.message}`;
  return null;
}

interface Best {
  iteration: number;
  attemptNo: number;
  files: ExtractedFile[];
  timeMs: number;
  score: number;
}

interface LastFull {
  iteration: number;
  score: number;
  timeMs: number;
  summary: NcuSummary;
}

export async function optimizePhase(ctx: CandidateContext, passing: PassingCandidate, deps: OptimizeDeps): Promise<{ summary: OptimizationSummary; bestFiles: ExtractedFile[] }> {
  const { task, config } = ctx;
  const benchmark = task.benchmark!;
  const tierSettings = {
    threshold: config.two_tier_profiling.score_change_threshold,
    maxTier0Streak: config.two_tier_profiling.max_tier0_streak,
    enabled: config.enable_two_tier_profiling,
  };
  const profiler = (hostQueue: string) =>
    proxyActivities<ProfileActivities>({
      taskQueue: hostQueue,
      scheduleToStartTimeout: `${config.timeouts.host_pickup} seconds`,
      heartbeatTimeout: `${config.timeouts.heartbeat} seconds`,
      startToCloseTimeout: `${config.timeouts.profile + 60} seconds`,
      retry: { initialInterval: '1 second', maximumAttempts: config.retry_profile + 1, nonRetryableErrorTypes: [...PROFILE_STOPPERS, 'BenchmarkFailed', 'CandidateMissing', 'Cancelled'] },
    });
  const microbenchmark = (hostQueue: string, runFolder: string, iteration: number): Promise<MicrobenchmarkResult> =>
    profiler(hostQueue).microbenchmark.executeWithOptions({ summary: `iteration ${iteration}: tier 0 microbenchmark` }, [
      microbenchmarkInputFor(benchmark, config, runFolder, Math.floor(Math.random() * 2 ** 31)),
    ]);
  const fullProfile = (hostQueue: string, runFolder: string, summary: string): Promise<FullProfileResult> =>
    profiler(hostQueue).fullProfile.executeWithOptions({ summary }, [
      fullProfileInputFor(benchmark, config, runFolder),
    ]);

  const profileHistory = proxyActivities<ProfileHistoryActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  /** Stores one profiled iteration (the `profiles` table, read by profileStats). */
  const storeProfile = (entry: OptimizationIteration, bench: MicrobenchmarkResult, profile: FullProfileResult | null, scoreChange: number | null) =>
    profileHistory.recordProfile.executeWithOptions({ summary: `store profile: ${entry.summary}` }, [
      {
        taskId: task.id,
        workflowId: ctx.workflowId,
        workflowRunId: ctx.workflowRunId,
        attemptNo: entry.attemptNo,
        iteration: entry.iteration,
        domain: task.domain,
        model: entry.model,
        tier: entry.tier!,
        rule: entry.rule!,
        summary: entry.summary,
        score: entry.score!,
        scoreChange,
        timeMs: entry.timeMs!,
        accepted: entry.accepted,
        microbenchMs: bench.durationMs,
        fullProfileMs: profile?.durationMs ?? 0,
        tool: profile?.tool ?? null,
        fellBack: profile?.fellBack ?? null,
        profile: profile?.summary ?? null,
      },
    ]);

  let escalation = deps.escalation;
  const iterations: OptimizationIteration[] = [];
  const history: TierHistoryEntry[] = [];
  const summary: OptimizationSummary = {
    iterations,
    bestScore: 0,
    bestIteration: 0,
    bestTimeMs: 0,
    profileMsTier0: 0,
    profileMsTier1: 0,
    stopReason: '',
    fellBack: null,
    escalations: [],
  };
  const finish = (best: Best | null, reason: string) => {
    summary.stopReason = reason;
    deps.update(summary, escalation);
    return { summary, bestFiles: best?.files ?? passing.files };
  };

  // Iteration 0: the baseline.
  let best: Best;
  let lastFull: LastFull;
  try {
    const bench = await microbenchmark(passing.hostQueue, passing.runFolder, 0);
    summary.profileMsTier0 += bench.durationMs;
    const decision = decideTier({ iteration: 0, currentScore: null, history, ...tierSettings });
    const profile = await fullProfile(passing.hostQueue, passing.runFolder, decision.summary);
    summary.profileMsTier1 += profile.durationMs;
    summary.fellBack = profile.fellBack;
    history.push({ iteration: 0, tier: 1, score: profile.score });
    lastFull = { iteration: 0, score: profile.score, timeMs: bench.medianMs, summary: profile.summary };
    best = { iteration: 0, attemptNo: passing.attemptNo, files: passing.files, timeMs: bench.medianMs, score: profile.score };
    const baseline: OptimizationIteration = {
      iteration: 0,
      attemptNo: passing.attemptNo,
      model: passing.model,
      tier: 1,
      rule: decision.rule,
      summary: decision.summary,
      score: profile.score,
      timeMs: bench.medianMs,
      accepted: true,
      rejectedAs: null,
    };
    iterations.push(baseline);
    await storeProfile(baseline, bench, profile, null);
  } catch (error) {
    const stopper = profileStopper(error);
    if (stopper) return finish(null, `the baseline could not be profiled: ${stopper}`);
    throw error;
  }
  summary.bestScore = best.score;
  summary.bestIteration = 0;
  summary.bestTimeMs = best.timeMs;
  deps.update(summary, escalation);

  type Measured =
    | { kind: 'measured'; bench: MicrobenchmarkResult; estimate: number; profile: FullProfileResult | null; decision: TierDecision }
    | { kind: 'benchmark-failed'; run: FailedBenchmarkRun }
    | { kind: 'stop'; reason: string };
  /** Tier 0 of a correct candidate, then tier 1 when decideTier says so. */
  async function measure(candidate: AttemptOutcome, iteration: number): Promise<Measured> {
    try {
      const bench = await microbenchmark(candidate.hostQueue!, candidate.runFolder!, iteration);
      summary.profileMsTier0 += bench.durationMs;
      const estimate = estimateScoreFromTime(lastFull.score, lastFull.timeMs, bench.medianMs);
      const decision = decideTier({ iteration, currentScore: estimate, history, ...tierSettings });
      if (decision.tier === 0) return { kind: 'measured', bench, estimate, profile: null, decision };
      const profile = await fullProfile(candidate.hostQueue!, candidate.runFolder!, decision.summary);
      summary.profileMsTier1 += profile.durationMs;
      summary.fellBack = profile.fellBack ?? summary.fellBack;
      return { kind: 'measured', bench, estimate, profile, decision };
    } catch (error) {
      const run = failedBenchmark(error);
      if (run) return { kind: 'benchmark-failed', run };
      const stopper = profileStopper(error);
      if (stopper) return { kind: 'stop', reason: stopper };
      throw error;
    }
  }

  let attemptNo = passing.attemptNo;
  let lastFailure: { iteration: number; categorization: Categorization; output: string } | null = null;
  for (let iteration = 1; ; iteration++) {
    if (best.score >= config.target_score) return finish(best, `target score ${config.target_score} reached (${round1(best.score)})`);
    if (iteration > config.max_optimization_iterations) return finish(best, `${config.max_optimization_iterations} optimization iterations used`);
    const model = currentModel(escalation);
    attemptNo++;
    const messages = buildOptimizePrompt({
      task,
      bestCode: best.files.find((f) => f.path === task.solution_file)?.content ?? best.files[0]?.content ?? '',
      best: { iteration: best.iteration, timeMs: best.timeMs, score: best.score },
      targetScore: config.target_score,
      profile: { iteration: lastFull.iteration, score: lastFull.score, summary: lastFull.summary },
      lastFailure,
    });
    const outcome = await deps.attempt(attemptNo, model, messages);

    let failure: Categorization | null = null;
    let failureOutcome: AttemptOutcome = outcome;
    let entry: OptimizationIteration;
    const rejected = (c: Categorization, why: string): OptimizationIteration => ({
      iteration,
      attemptNo,
      model,
      tier: null,
      rule: null,
      summary: `iteration ${iteration}: rejected (${why}), not profiled`,
      score: null,
      timeMs: null,
      accepted: false,
      rejectedAs: c.errorType,
    });
    const measured = outcome.success ? await measure(outcome, iteration) : null;
    if (measured?.kind === 'stop') {
      await deps.record(attemptNo, model, outcome, null, { note: `iteration ${iteration}: profiling failed, phase ends`, phase: 'PROFILE' });
      return finish(best, `iteration ${iteration} could not be profiled: ${measured.reason}`);
    }
    if (!measured) {
      failure = outcome.categorization!;
      entry = rejected(failure, `${failure.errorType} in ${failure.phase}`);
    } else if (measured.kind === 'benchmark-failed') {
      // The candidate passed its tests but its benchmark run failed: rejected like a failing test.
      const run = measured.run;
      failure = categorize({ phase: 'PROFILE', ...run, solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) });
      failureOutcome = { ...outcome, success: false, categorization: failure, output: run.output };
      entry = rejected(failure, `${failure.errorType}: the benchmark program failed`);
    } else {
      const { bench, estimate, profile, decision } = measured;
      const score = profile ? profile.score : estimate;
      const previousScore = history.length ? history[history.length - 1]!.score : null;
      history.push({ iteration, tier: decision.tier, score });
      if (profile) lastFull = { iteration, score, timeMs: bench.medianMs, summary: profile.summary };
      const accepted = bench.medianMs < best.timeMs;
      entry = {
        iteration,
        attemptNo,
        model,
        tier: decision.tier,
        rule: decision.rule,
        summary: decision.summary,
        score,
        timeMs: bench.medianMs,
        accepted,
        rejectedAs: accepted ? null : 'PERFORMANCE',
      };
      const figures = `score ${round1(score)}, ${Number(bench.medianMs.toPrecision(4))} ms`;
      if (accepted) {
        best = { iteration, attemptNo, files: outcome.files, timeMs: bench.medianMs, score };
        escalation = { ...escalation, failuresOfCurrent: 0 };
        await deps.record(attemptNo, model, { ...outcome, output: `${figures}\n${bench.output}` }, null, { note: `${decision.summary} · ${figures}, new best`, phase: 'PROFILE' });
      } else {
        failure = categorizePerformance({ score, target: config.target_score, previousScore: best.score });
        if (failure.rule !== 'score-regression') {
          failure = { ...failure, rule: 'time-regression', firstErrorLine: `${Number(bench.medianMs.toPrecision(4))} ms, not faster than the best ${Number(best.timeMs.toPrecision(4))} ms (iteration ${best.iteration})` };
        }
        failureOutcome = { ...outcome, success: false, categorization: failure, output: `${figures} (best: ${Number(best.timeMs.toPrecision(4))} ms)\n${bench.output}` };
        entry.summary = `${decision.summary} · ${figures}, slower than the best`;
      }
      await storeProfile(entry, bench, profile, previousScore === null ? null : score - previousScore);
    }
    iterations.push(entry);
    if (entry.accepted) {
      summary.bestScore = best.score;
      summary.bestIteration = best.iteration;
      summary.bestTimeMs = best.timeMs;
      lastFailure = null;
      deps.update(summary, escalation);
      continue;
    }
    const next = afterFailure(escalation, failure!, config.stoploss_per_model);
    await deps.record(attemptNo, model, failureOutcome, next.decision, { note: entry.summary });
    escalation = next.state;
    lastFailure = { iteration, categorization: failure!, output: failureOutcome.output };
    if (next.decision.kind === 'escalate') {
      summary.escalations.push({ afterAttempt: attemptNo, from: next.decision.from, to: next.decision.to, rule: next.decision.rule, reason: next.decision.reason });
    }
    deps.update(summary, escalation);
    if (next.decision.kind === 'fallback') return finish(best, `stop-loss: ${next.decision.reason}`);
  }
}
