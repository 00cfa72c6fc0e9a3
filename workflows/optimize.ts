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
import { patched } from '@temporalio/workflow';
import type { FullProfileResult, MicrobenchmarkResult, FailedBenchmarkRun, ProfileFacts } from '../contracts/profile-types';
import { categorize, categorizePerformance } from '../policy/parsers/categorizer';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import { buildOptimizePrompt } from '../policy/prompts/optimize-prompt';
import type { Categorization } from '../policy/run-types';
import { afterFailure, currentModel, type EscalationState } from '../policy/rules/stop-loss';
import { cachegrindYardstick, decideTier, estimateScoreFromTime, type TierDecision, type TierHistoryEntry } from '../policy/rules/two-tier';
import { isPassed, type PassedAttempt, type TaskAttempts } from './attempt';
import type { CandidateContext } from './candidate';
import { faultReason, rethrowCancellation } from './faults';
import type { OptimizationIteration, OptimizationSummary } from '../contracts/task-messages';
import { failedBenchmark, profileStopper, profilingFor, type BinaryPlace } from './optimize-profiling';
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

/** An iteration's benchmark seed (the workflow's deterministic random): its timed and its profiled run get the same frames. */
function benchmarkSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** Where a passing attempt's binary is, for the profiling steps (which build it again elsewhere if its host dies). */
function placeOf(attempt: PassedAttempt): BinaryPlace {
  return { hostQueue: attempt.hostQueue, host: attempt.host, runFolder: attempt.runFolder, attemptNo: attempt.attemptNo, files: attempt.files };
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
  facts: ProfileFacts;
}

/** A full profile's facts without its figures of time and score. */
function factsOf(profile: FullProfileResult): ProfileFacts {
  return profile.tool === 'cachegrind' ? { tool: 'cachegrind', summary: profile.summary } : { tool: 'ncu', summary: profile.summary };
}

type Measured =
  | { kind: 'measured'; bench: MicrobenchmarkResult; estimate: number; profile: FullProfileResult | null; decision: TierDecision }
  | { kind: 'benchmark-failed'; run: FailedBenchmarkRun }
  | { kind: 'stop'; reason: string };

/** What the phase keeps from one iteration to the next: one value, handed to each step. */
interface PhaseState {
  escalation: EscalationState;
  summary: OptimizationSummary;
  history: TierHistoryEntry[];
  iteration: number;
  attemptNo: number;
  best: Best | null;
  lastFull: LastFull | null;
  lastFailure: { iteration: number; categorization: Categorization; output: string } | null;
  /** A C++ task's yardstick from its baseline profile (cachegrindYardstick); null for CUDA. */
  yardstickCycles: number | null;
}

/** What stays the same through the phase: its input, its profiling activities and the tier settings. */
interface Phase {
  input: OptimizeInput;
  profiling: ReturnType<typeof profilingFor>;
  tierSettings: { threshold: number; maxTier0Streak: number; enabled: boolean; target: number | null };
}

/** A candidate that was not kept: its categorization, the run to record and its row of the table. */
interface Rejection {
  failure: Categorization;
  run: RunToRecord;
  entry: OptimizationIteration;
}

function initialState(input: OptimizeInput): PhaseState {
  return {
    escalation: input.escalation,
    summary: {
      iterations: [],
      bestScore: 0,
      bestIteration: 0,
      bestTimeMs: 0,
      profileMsTier0: 0,
      profileMsTier1: 0,
      stopReason: '',
      fellBack: null,
      escalations: [],
    },
    history: [],
    iteration: 0,
    attemptNo: input.passing.attemptNo,
    best: null,
    lastFull: null,
    lastFailure: null,
    yardstickCycles: null,
  };
}

function finish(phase: Phase, state: PhaseState, reason: string): OptimizeEnd {
  state.summary.stopReason = reason;
  phase.input.update(state.summary, state.escalation);
  return { summary: state.summary, bestFiles: state.best?.files ?? phase.input.passing.files };
}

function publishBest(state: PhaseState, best: Best): void {
  state.best = best;
  state.summary.bestScore = best.score;
  state.summary.bestIteration = best.iteration;
  state.summary.bestTimeMs = best.timeMs;
}

/** Iteration 0: the passing candidate, timed and fully profiled. Returns why the phase stops, or null. */
async function profileBaseline(phase: Phase, state: PhaseState): Promise<string | null> {
  const { passing } = phase.input;
  const { summary, history } = state;
  try {
    const seed = benchmarkSeed();
    const timed = await phase.profiling.microbenchmark(placeOf(passing), 0, seed);
    const bench = timed.value;
    summary.profileMsTier0 += bench.durationMs;
    const decision = decideTier({ iteration: 0, currentScore: null, history, ...phase.tierSettings });
    const profile = (await phase.profiling.fullProfile(timed.place, decision.summary, seed, null)).value;
    if (profile.tool === 'cachegrind') state.yardstickCycles = cachegrindYardstick(profile.summary);
    summary.profileMsTier1 += profile.durationMs;
    summary.fellBack = profile.fellBack;
    history.push({ iteration: 0, tier: 1, score: profile.score });
    state.best = { iteration: 0, attemptNo: passing.attemptNo, files: passing.files, timeMs: bench.medianMs, score: profile.score };
    const entry = {
      iteration: 0,
      attemptNo: passing.attemptNo,
      model: passing.model,
      tier: 1 as const,
      rule: decision.rule,
      summary: decision.summary,
      score: profile.score,
      timeMs: bench.medianMs,
      accepted: true,
    };
    summary.iterations.push({ ...entry, rejectedAs: null });
    await phase.profiling.storeProfile(entry, bench, profile, null);
    state.lastFull = { iteration: 0, score: profile.score, timeMs: bench.medianMs, facts: factsOf(profile) };
    return null;
  } catch (error) {
    const stopper = profileStopper(error);
    if (stopper) return `the baseline could not be profiled: ${stopper}`;
    throw error;
  }
}

/** Tier 0 of a correct candidate, then tier 1 when decideTier says so. */
async function measure(phase: Phase, state: PhaseState, candidate: PassedAttempt, lastFull: LastFull): Promise<Measured> {
  const { summary, iteration } = state;
  try {
    const seed = benchmarkSeed();
    const timed = await phase.profiling.microbenchmark(placeOf(candidate), iteration, seed);
    const bench = timed.value;
    summary.profileMsTier0 += bench.durationMs;
    const estimate = estimateScoreFromTime(lastFull.score, lastFull.timeMs, bench.medianMs);
    const decision = decideTier({ iteration, currentScore: estimate, history: state.history, ...phase.tierSettings });
    if (decision.tier === 0) return { kind: 'measured', bench, estimate, profile: null, decision };
    const profile = (await phase.profiling.fullProfile(timed.place, decision.summary, seed, state.yardstickCycles)).value;
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

function rejectedEntry(state: PhaseState, model: string, c: Categorization, why: string): OptimizationIteration {
  const { iteration, attemptNo } = state;
  return {
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
  };
}

/**
 * A measured candidate: kept when faster than the best (returns null), else its rejection as a
 * PERFORMANCE failure. Either way its profile is stored and the tier history grows.
 */
async function judgeMeasured(
  phase: Phase,
  state: PhaseState,
  outcome: PassedAttempt,
  model: string,
  measured: Extract<Measured, { kind: 'measured' }>,
): Promise<Rejection | null> {
  const { iteration, attemptNo, history } = state;
  const current = state.best!;
  const { bench, estimate, profile, decision } = measured;
  const score = profile ? profile.score : estimate;
  const previousScore = history.at(-1)?.score ?? null;
  history.push({ iteration, tier: decision.tier, score });
  if (profile) state.lastFull = { iteration, score, timeMs: bench.medianMs, facts: factsOf(profile) };
  const accepted = bench.medianMs < current.timeMs;
  const figures = `score ${round1(score)}, ${Number(bench.medianMs.toPrecision(4))} ms`;
  const stored = {
    iteration,
    attemptNo,
    model,
    tier: decision.tier,
    rule: decision.rule,
    summary: decision.summary,
    score,
    timeMs: bench.medianMs,
    accepted,
  };
  const scoreChange = previousScore === null ? null : score - previousScore;
  if (accepted) {
    publishBest(state, { iteration, attemptNo, files: outcome.files, timeMs: bench.medianMs, score });
    state.escalation = { ...state.escalation, failuresOfCurrent: 0 };
    await phase.input.recorder.record({ ...runOf(outcome, 'model'), output: `${figures}\n${bench.output}` }, null, {
      note: `${decision.summary} · ${figures}, new best`,
      phase: 'PROFILE',
    });
    await phase.profiling.storeProfile(stored, bench, profile, scoreChange);
    state.summary.iterations.push({ ...stored, rejectedAs: null });
    state.lastFailure = null;
    phase.input.update(state.summary, state.escalation);
    return null;
  }
  let failure = categorizePerformance({ score, target: phase.input.ctx.config.target_score, previousScore: current.score });
  if (failure.rule !== 'score-regression') {
    failure = {
      ...failure,
      rule: 'time-regression',
      firstErrorLine:
        `${Number(bench.medianMs.toPrecision(4))} ms, not faster than the best ` +
        `${Number(current.timeMs.toPrecision(4))} ms (iteration ${current.iteration})`,
    };
  }
  const run = {
    ...runOf(outcome, 'model'),
    categorization: failure,
    output: `${figures} (best: ${Number(current.timeMs.toPrecision(4))} ms)\n${bench.output}`,
  };
  const entry = { ...stored, summary: `${decision.summary} · ${figures}, slower than the best`, rejectedAs: 'PERFORMANCE' as const };
  await phase.profiling.storeProfile({ ...stored, summary: entry.summary }, bench, profile, scoreChange);
  return { failure, run, entry };
}

/** A rejected candidate: recorded with the stop-loss decision it leads to. Returns why the phase stops, or null. */
async function applyRejection(phase: Phase, state: PhaseState, rejection: Rejection): Promise<string | null> {
  const { failure, run, entry } = rejection;
  state.summary.iterations.push(entry);
  const next = afterFailure(state.escalation, failure, phase.input.ctx.config.stoploss_per_model);
  await phase.input.recorder.record(run, next.decision, { note: entry.summary });
  state.escalation = next.state;
  state.lastFailure = { iteration: state.iteration, categorization: failure, output: run.output };
  if (next.decision.kind === 'escalate') {
    state.summary.escalations.push({
      afterAttempt: state.attemptNo,
      from: next.decision.from,
      to: next.decision.to,
      rule: next.decision.rule,
      reason: next.decision.reason,
    });
  }
  phase.input.update(state.summary, state.escalation);
  return next.decision.kind === 'fallback' ? `stop-loss: ${next.decision.reason}` : null;
}

/** One iteration after the baseline: a new candidate from the current model, tested, measured, kept or rejected. Returns why the phase stops, or null. */
async function runIteration(phase: Phase, state: PhaseState): Promise<string | null> {
  const { task } = phase.input.ctx;
  const current = state.best!;
  const lastFull = state.lastFull!;
  const model = currentModel(state.escalation);
  state.attemptNo++;
  const messages = buildOptimizePrompt({
    task,
    bestCode: current.files.find((f) => f.path === task.solution_file)?.content ?? current.files[0]?.content ?? '',
    best: { iteration: current.iteration, timeMs: current.timeMs, score: current.score },
    targetScore: phase.input.ctx.config.target_score,
    profile: { iteration: lastFull.iteration, score: lastFull.score, ...lastFull.facts },
    lastFailure: state.lastFailure,
  });
  const outcome = await phase.input.attempts.generated(state.attemptNo, model, messages);
  if (!isPassed(outcome)) {
    const failure = outcome.categorization;
    return applyRejection(phase, state, {
      failure,
      run: runOf(outcome, 'model'),
      entry: rejectedEntry(state, model, failure, `${failure.errorType} in ${failure.phase}`),
    });
  }
  const measured = await measure(phase, state, outcome, lastFull);
  if (measured.kind === 'stop') {
    await phase.input.recorder.record(runOf(outcome, 'model'), null, {
      note: `iteration ${state.iteration}: profiling failed, phase ends`,
      phase: 'PROFILE',
    });
    return `iteration ${state.iteration} could not be profiled: ${measured.reason}`;
  }
  if (measured.kind === 'benchmark-failed') {
    // The candidate passed its tests but its benchmark run failed: rejected like a failing test.
    const run = measured.run;
    const failure = categorize({ phase: 'PROFILE', ...run, solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) });
    return applyRejection(phase, state, {
      failure,
      run: { ...runOf(outcome, 'model'), categorization: failure, output: run.output },
      entry: rejectedEntry(state, model, failure, `${failure.errorType}: the benchmark program failed`),
    });
  }
  const rejection = await judgeMeasured(phase, state, outcome, model, measured);
  return rejection ? applyRejection(phase, state, rejection) : null;
}

/** The baseline, then iterations until the target, the iteration limit, a stop-loss fallback or a profiling stop. */
async function runPhase(phase: Phase, state: PhaseState): Promise<string> {
  const { config } = phase.input.ctx;
  const stop = await profileBaseline(phase, state);
  if (stop) return stop;
  if (state.best === null) return 'no baseline';
  publishBest(state, state.best);
  phase.input.update(state.summary, state.escalation);
  for (state.iteration = 1; ; state.iteration++) {
    const best = state.best!;
    if (best.score >= config.target_score) return `target score ${config.target_score} reached (${round1(best.score)})`;
    if (state.iteration > config.max_optimization_iterations) return `${config.max_optimization_iterations} optimization iterations used`;
    const ended = await runIteration(phase, state);
    if (ended) return ended;
  }
}

/**
 * Runs the phase. An infrastructure fault (an activity past its retries, a model server down past
 * the outage budget) ends the phase keeping the best correct code, with the reason; a
 * cancellation propagates.
 */
export async function optimizePhase(input: OptimizeInput): Promise<OptimizeEnd> {
  const { config } = input.ctx;
  const phase: Phase = {
    input,
    profiling: profilingFor(input.ctx, input.benchmark),
    tierSettings: {
      threshold: config.two_tier_profiling.score_change_threshold,
      maxTier0Streak: config.two_tier_profiling.max_tier0_streak,
      enabled: config.enable_two_tier_profiling,
      // Phases begun before this rule existed replay without it.
      target: patched('kisystem-tier1-confirms-target') ? config.target_score : null,
    },
  };
  const state = initialState(input);
  try {
    return finish(phase, state, await runPhase(phase, state));
  } catch (error) {
    rethrowCancellation(error);
    return finish(phase, state, faultReason(error, state.iteration === 0 ? 'the baseline' : `iteration ${state.iteration}`));
  }
}
