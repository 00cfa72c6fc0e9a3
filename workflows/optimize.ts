/**
 * The optimization phase of a task, run by taskWorkflow
 * after the first passing candidate when the task has a `benchmark` section.
 *
 * - Iteration 0: the passing candidate is microbenchmarked (tier 0, its time) and fully profiled
 *   (tier 1, decideTier's baseline): the best candidate so far.
 * - Iterations 1..max_optimization_iterations: the current model gets the best code and the last
 *   full profile's figures (policy/prompts/optimize-prompt.ts); the new candidate is built and tested on
 *   fresh random inputs (TaskAttempts.generated, as in the model phase). A failing test is a
 *   LOGIC failure and never becomes the best. A correct candidate is microbenchmarked, its score
 *   estimated from the last full profile (estimateScoreFromTime), and fully profiled when decideTier
 *   says so. It becomes the best only when it is faster (lower median time): a regression never
 *   replaces the best, and counts as a PERFORMANCE failure.
 * - Stop-loss (policy/rules/stop-loss.ts) applies to the phase's failures with its own counter, starting
 *   at the model that passed; an accepted improvement resets the counter. A "fallback" decision ends
 *   the phase (the task already has correct code: nobody is asked for more).
 * - The phase stops when the best score reaches target_score, after max_optimization_iterations, at
 *   a stop-loss fallback, or when profiling itself cannot work (no bench line, no profiler, an
 *   unreadable report), or at an infrastructure fault (an activity past its retries, the model
 *   server down past the outage budget): then the best so far is kept and the reason is in the
 *   summary. A cancellation is never such a fault: it ends the task CANCELLED.
 * - The status stays 'optimizing' through the phase; the attempt's step is shown beside it.
 *
 * Every tier decision is visible in the Web UI: the full profile's activity summary is decideTier's
 * summary ("iteration 3: tier 1, score +6 > 5"), and each iteration's recordRun summary starts with it.
 * Deterministic: all I/O is in activities.
 */
import type { FullProfileResult, MicrobenchmarkResult, FailedBenchmarkRun } from '../contracts/profile-types';
import { categorize, categorizePerformance } from '../policy/parsers/categorizer';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { NcuSummary } from '../policy/parsers/ncu-report';
import { buildOptimizePrompt } from '../policy/prompts/optimize-prompt';
import type { Categorization } from '../policy/run-types';
import { afterFailure, currentModel, type EscalationState } from '../policy/rules/stop-loss';
import { decideTier, estimateScoreFromTime, type TierDecision, type TierHistoryEntry } from '../policy/rules/two-tier';
import { isPassed, type PassedAttempt, type TaskAttempts } from './attempt';
import type { CandidateContext } from './candidate';
import { faultReason, rethrowCancellation } from './faults';
import type { OptimizationIteration, OptimizationSummary } from '../contracts/task-messages';
import { failedBenchmark, profileStopper, profilingFor } from './optimize-profiling';
import { runOf, type RunRecorder, type RunToRecord } from './run-record';

export interface OptimizeInput {
  ctx: CandidateContext;
  benchmark: NonNullable<CandidateContext['task']['benchmark']>;
  /** The first passing candidate (built on its host: the baseline is profiled there). */
  passing: PassedAttempt;
  /** The phase's own stop-loss state, at the model that passed. */
  escalation: EscalationState;
  attempts: TaskAttempts;
  recorder: RunRecorder;
  /** Called after every iteration: the summary so far and the phase's stop-loss state (Web UI, queries). */
  update(summary: OptimizationSummary, escalation: EscalationState): void;
}

export interface OptimizeEnd {
  summary: OptimizationSummary;
  /** The best correct candidate (the passing one when nothing beat it). */
  bestFiles: ExtractedFile[];
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
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

type Measured =
  | { kind: 'measured'; bench: MicrobenchmarkResult; estimate: number; profile: FullProfileResult | null; decision: TierDecision }
  | { kind: 'benchmark-failed'; run: FailedBenchmarkRun }
  | { kind: 'stop'; reason: string };

/**
 * Runs the phase. An infrastructure fault (an activity past its retries, a model server down past
 * the outage budget) ends the phase keeping the best correct code, with the reason; a
 * cancellation propagates.
 */
export async function optimizePhase(input: OptimizeInput): Promise<OptimizeEnd> {
  const { ctx, passing, recorder } = input;
  const { task, config } = ctx;
  const tierSettings = {
    threshold: config.two_tier_profiling.score_change_threshold,
    maxTier0Streak: config.two_tier_profiling.max_tier0_streak,
    enabled: config.enable_two_tier_profiling,
  };
  const profiling = profilingFor(ctx, input.benchmark);

  let escalation = input.escalation;
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
  let best: Best | null = null;
  let iteration = 0;
  const finish = (reason: string): OptimizeEnd => {
    summary.stopReason = reason;
    input.update(summary, escalation);
    return { summary, bestFiles: best?.files ?? passing.files };
  };

  /** Iteration 0: the passing candidate, timed and fully profiled. */
  async function baseline(): Promise<LastFull | string> {
    try {
      const bench = await profiling.microbenchmark(passing.hostQueue, passing.runFolder, 0);
      summary.profileMsTier0 += bench.durationMs;
      const decision = decideTier({ iteration: 0, currentScore: null, history, ...tierSettings });
      const profile = await profiling.fullProfile(passing.hostQueue, passing.runFolder, decision.summary);
      summary.profileMsTier1 += profile.durationMs;
      summary.fellBack = profile.fellBack;
      history.push({ iteration: 0, tier: 1, score: profile.score });
      best = { iteration: 0, attemptNo: passing.attemptNo, files: passing.files, timeMs: bench.medianMs, score: profile.score };
      const entry = {
        iteration: 0, attemptNo: passing.attemptNo, model: passing.model, tier: 1 as const, rule: decision.rule,
        summary: decision.summary, score: profile.score, timeMs: bench.medianMs, accepted: true,
      };
      iterations.push({ ...entry, rejectedAs: null });
      await profiling.storeProfile(entry, bench, profile, null);
      return { iteration: 0, score: profile.score, timeMs: bench.medianMs, summary: profile.summary };
    } catch (error) {
      const stopper = profileStopper(error);
      if (stopper) return `the baseline could not be profiled: ${stopper}`;
      throw error;
    }
  }

  /** Tier 0 of a correct candidate, then tier 1 when decideTier says so. */
  async function measure(candidate: PassedAttempt, lastFull: LastFull): Promise<Measured> {
    try {
      const bench = await profiling.microbenchmark(candidate.hostQueue, candidate.runFolder, iteration);
      summary.profileMsTier0 += bench.durationMs;
      const estimate = estimateScoreFromTime(lastFull.score, lastFull.timeMs, bench.medianMs);
      const decision = decideTier({ iteration, currentScore: estimate, history, ...tierSettings });
      if (decision.tier === 0) return { kind: 'measured', bench, estimate, profile: null, decision };
      const profile = await profiling.fullProfile(candidate.hostQueue, candidate.runFolder, decision.summary);
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

  async function iterate(): Promise<OptimizeEnd> {
    const first = await baseline();
    if (typeof first === 'string' || best === null) return finish(typeof first === 'string' ? first : 'no baseline');
    let lastFull: LastFull = first;
    let current: Best = best;
    summary.bestScore = current.score;
    summary.bestIteration = 0;
    summary.bestTimeMs = current.timeMs;
    input.update(summary, escalation);

    let attemptNo = passing.attemptNo;
    let lastFailure: { iteration: number; categorization: Categorization; output: string } | null = null;
    for (iteration = 1; ; iteration++) {
      if (current.score >= config.target_score) return finish(`target score ${config.target_score} reached (${round1(current.score)})`);
      if (iteration > config.max_optimization_iterations) return finish(`${config.max_optimization_iterations} optimization iterations used`);
      const model = currentModel(escalation);
      attemptNo++;
      const messages = buildOptimizePrompt({
        task,
        bestCode: current.files.find((f) => f.path === task.solution_file)?.content ?? current.files[0]?.content ?? '',
        best: { iteration: current.iteration, timeMs: current.timeMs, score: current.score },
        targetScore: config.target_score,
        profile: { iteration: lastFull.iteration, score: lastFull.score, summary: lastFull.summary },
        lastFailure,
      });
      const outcome = await input.attempts.generated(attemptNo, model, messages);

      const rejected = (c: Categorization, why: string): OptimizationIteration => ({
        iteration, attemptNo, model, tier: null, rule: null, summary: `iteration ${iteration}: rejected (${why}), not profiled`,
        score: null, timeMs: null, accepted: false, rejectedAs: c.errorType,
      });
      let failure: Categorization;
      let failedRun: RunToRecord;
      let entry: OptimizationIteration;
      if (!isPassed(outcome)) {
        failure = outcome.categorization;
        failedRun = runOf(outcome, 'model');
        entry = rejected(failure, `${failure.errorType} in ${failure.phase}`);
      } else {
        const measured = await measure(outcome, lastFull);
        if (measured.kind === 'stop') {
          await recorder.record(runOf(outcome, 'model'), null, { note: `iteration ${iteration}: profiling failed, phase ends`, phase: 'PROFILE' });
          return finish(`iteration ${iteration} could not be profiled: ${measured.reason}`);
        }
        if (measured.kind === 'benchmark-failed') {
          // The candidate passed its tests but its benchmark run failed: rejected like a failing test.
          const run = measured.run;
          failure = categorize({ phase: 'PROFILE', ...run, solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) });
          failedRun = { ...runOf(outcome, 'model'), categorization: failure, output: run.output };
          entry = rejected(failure, `${failure.errorType}: the benchmark program failed`);
        } else {
          const { bench, estimate, profile, decision } = measured;
          const score = profile ? profile.score : estimate;
          const previousScore = history.at(-1)?.score ?? null;
          history.push({ iteration, tier: decision.tier, score });
          if (profile) lastFull = { iteration, score, timeMs: bench.medianMs, summary: profile.summary };
          const accepted = bench.medianMs < current.timeMs;
          const figures = `score ${round1(score)}, ${Number(bench.medianMs.toPrecision(4))} ms`;
          const stored = {
            iteration, attemptNo, model, tier: decision.tier, rule: decision.rule, summary: decision.summary, score,
            timeMs: bench.medianMs, accepted,
          };
          if (accepted) {
            current = best = { iteration, attemptNo, files: outcome.files, timeMs: bench.medianMs, score };
            escalation = { ...escalation, failuresOfCurrent: 0 };
            await recorder.record({ ...runOf(outcome, 'model'), output: `${figures}\n${bench.output}` }, null, {
              note: `${decision.summary} · ${figures}, new best`, phase: 'PROFILE',
            });
            await profiling.storeProfile(stored, bench, profile, previousScore === null ? null : score - previousScore);
            iterations.push({ ...stored, rejectedAs: null });
            summary.bestScore = current.score;
            summary.bestIteration = current.iteration;
            summary.bestTimeMs = current.timeMs;
            lastFailure = null;
            input.update(summary, escalation);
            continue;
          }
          failure = categorizePerformance({ score, target: config.target_score, previousScore: current.score });
          if (failure.rule !== 'score-regression') {
            failure = {
              ...failure, rule: 'time-regression',
              firstErrorLine:
                `${Number(bench.medianMs.toPrecision(4))} ms, not faster than the best ${Number(current.timeMs.toPrecision(4))} ms` +
                ` (iteration ${current.iteration})`,
            };
          }
          failedRun = {
            ...runOf(outcome, 'model'), categorization: failure,
            output: `${figures} (best: ${Number(current.timeMs.toPrecision(4))} ms)\n${bench.output}`,
          };
          entry = { ...stored, summary: `${decision.summary} · ${figures}, slower than the best`, rejectedAs: 'PERFORMANCE' };
          await profiling.storeProfile({ ...stored, summary: entry.summary }, bench, profile, previousScore === null ? null : score - previousScore);
        }
      }
      iterations.push(entry);
      const next = afterFailure(escalation, failure, config.stoploss_per_model);
      await recorder.record(failedRun, next.decision, { note: entry.summary });
      escalation = next.state;
      lastFailure = { iteration, categorization: failure, output: failedRun.output };
      if (next.decision.kind === 'escalate') {
        summary.escalations.push({
          afterAttempt: attemptNo, from: next.decision.from, to: next.decision.to, rule: next.decision.rule,
          reason: next.decision.reason,
        });
      }
      input.update(summary, escalation);
      if (next.decision.kind === 'fallback') return finish(`stop-loss: ${next.decision.reason}`);
    }
  }

  try {
    return await iterate();
  } catch (error) {
    rethrowCancellation(error);
    return finish(faultReason(error, iteration === 0 ? 'the baseline' : `iteration ${iteration}`));
  }
}
