/**
 * The start of a task: ONE pure function, used by the task workflow and by the decision benchmark
 * (decisions.md "Choosing and escalating models"). Config `start_rule` picks the rule:
 *
 * - "guide": {@link decideStart} unchanged (bias model, then the hybrid jump).
 * - "expected-cost" (default): for every position i of the domain's chain, the expected machine time
 *   of the whole task starting there under the stop-loss (policy/rules/expected-cost.ts): model i
 *   with its first-run chance, every model after it with its backup chance
 *   (policy/rules/start-evidence.ts: runs after earlier models failed the task are not a fair sample
 *   of a model's chance on a fresh task, but they are the chance of a model reached as a backup).
 *   Chances are aged Beta posteriors (policy/rules/posterior.ts), posterior means, or draws with the
 *   uniform numbers handed in (the workflow's seeded random) when `start_exploration.enabled`. Per-run
 *   times are learned from the history (median of at least `eta.history_min_samples` model-phase
 *   runs, else the guide's table). The start is the allowed position with the lowest cost (ties: the
 *   earlier one). Allowed: the chain head, and a later model with at least `bias_min_runs` runs (no
 *   rate bar: the expected cost already weighs the chance). The hybrid score is computed and
 *   recorded; it moves the start only on a cold start (no run at all in the domain), and only to a
 *   later model whose tier in `hybrid_model_tiers` is more capable than the start model's (a model
 *   outside the tiers is never "more capable" nor outdone: its capability is unknown).
 * - `enable_meta_supervisor: false`: the chain head under either rule (Phase 6).
 *
 * Pure: no I/O, no clock, no randomness of its own.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import type { ErrorType } from '../run-types';
import { taskComplexity } from './complexity';
import { tableEta } from './eta';
import { expectedCostsByStart, expectedRuns, failAll, type ChainStep } from './expected-cost';
import { decideStart, type StartDecision, type StartPosition } from './hybrid-decision';
import type { BiasRecommendation, ModelAggregate } from './meta-supervisor';
import { weightedSuccessRate } from './meta-supervisor';
import { failureStateScore } from './failure-state';
import { drawChance } from './posterior';
import { modelChances, NO_RUNS, type ModelEvidence } from './start-evidence';
import { startSummary } from '../prompts/start-summary';

/** Learned per-run time of a model in the domain: median of its model-phase runs. */
export interface LearnedRunTime {
  medianSeconds: number;
  samples: number;
}

/**
 * A task's snapshot from its domain's evidence (bias, aged model aggregates, learned run times), the
 * text its complexity is read from, and the failed runs of its latest earlier submission. The task
 * workflow and the queue's estimates build it alike.
 */
export function startSnapshotOf(
  domain: string,
  domainChain: readonly string[],
  evidence: { bias: BiasRecommendation | null; models?: readonly ModelAggregate[]; runTimes?: Readonly<Record<string, LearnedRunTime>> },
  complexityText: string,
  earlier: { failures: number; lastErrorType: ErrorType | null },
): StartSnapshot {
  return {
    domain,
    domainChain,
    models: evidence.models ?? [],
    runTimes: evidence.runTimes ?? {},
    bias: evidence.bias,
    complexity: taskComplexity(domain, complexityText),
    failureState: failureStateScore(earlier.failures, earlier.lastErrorType),
  };
}

/** Everything a start decision reads; loaded by the meta activity (or made up by the benchmark). */
export interface StartSnapshot {
  domain: string;
  domainChain: readonly string[];
  /** Aged aggregates (model phase only) of the domain's models; a chain model missing here has no runs. */
  models: readonly ModelAggregate[];
  /**
   * The domain's runs split into first runs and backup runs (policy/rules/start-evidence.ts). Absent: every run of `models` counts as both, unsplit.
   */
  evidence?: readonly ModelEvidence[];
  /** Learned per-run seconds per model; a model missing here uses the guide's table. */
  runTimes: Readonly<Record<string, LearnedRunTime>>;
  /** The Meta-Supervisor's bias for the domain (the guide rule's input; recorded under both). */
  bias: BiasRecommendation | null;
  complexity: { score: number; matched: string[] };
  /** Failure-state score of the latest earlier submission of this task id (policy/rules/failure-state.ts). */
  failureState: number;
}

export type StartConfig = Pick<
  KisystemConfig,
  | 'enable_meta_supervisor'
  | 'hybrid_decision_weights'
  | 'hybrid_model_tiers'
  | 'meta_supervisor'
  | 'eta'
  | 'stoploss_per_model'
  | 'start_rule'
  | 'fallback_cost_seconds'
  | 'start_exploration'
>;

/**
 * A model's aggregate as evidence that cannot tell first runs from backups: every run counts as a
 * backup run, so the start chance is the pooled posterior's mean (the first-run posterior is its
 * prior alone; counting the runs in both would count them twice).
 */
export function pooledEvidence(m: ModelAggregate): ModelEvidence {
  return { model: m.model, first: NO_RUNS, backup: { runs: m.runs, weightedSuccesses: m.weightedSuccesses, weightSum: m.weightSum } };
}

/** Per-run seconds of a model: the learned median with enough samples, else the guide's table. */
export function runSecondsOf(model: string, domain: string, eta: StartConfig['eta'], learned: LearnedRunTime | undefined): { seconds: number; source: string } {
  if (learned && learned.samples >= eta.history_min_samples && Number.isFinite(learned.medianSeconds) && learned.medianSeconds > 0) {
    return { seconds: learned.medianSeconds, source: `history: median of ${learned.samples} runs` };
  }
  const table = tableEta(model, domain, eta);
  return { seconds: table.seconds, source: table.reason };
}

function tierOf(model: string, tiers: StartConfig['hybrid_model_tiers']): number {
  return tiers.findIndex((t) => t.model === model);
}

/**
 * The start decision. `draws`: uniform numbers in [0, 1), one per chain position (missing ones
 * count as 0.5, the posterior median); ignored by the "guide" rule and when exploration is off.
 */
export function decideTaskStart(snapshot: StartSnapshot, config: StartConfig, draws: readonly number[]): StartDecision {
  const guide = decideStart({
    domainChain: snapshot.domainChain,
    bias: snapshot.bias,
    complexity: snapshot.complexity,
    failureState: snapshot.failureState,
    config,
  });
  if (config.start_rule === 'guide') return { ...guide, startRule: 'guide' };
  if (!config.enable_meta_supervisor) return { ...guide, startRule: 'expected-cost' };

  const chain = [...new Set(snapshot.domainChain)];
  const settings = config.meta_supervisor;
  const explore = config.start_exploration;
  const prior = { mean: explore.prior_mean, strength: explore.prior_strength };
  const byModel = new Map(snapshot.models.map((m) => [m.model, m]));
  const evidenceOf = new Map((snapshot.evidence ?? snapshot.models.map(pooledEvidence)).map((e) => [e.model, e]));
  const firstSteps: ChainStep[] = [];
  const drawnFirstSteps: ChainStep[] = [];
  const backupSteps: ChainStep[] = [];
  const partial = chain.map((model, i) => {
    const agg = byModel.get(model);
    const runs = agg?.runs ?? 0;
    const agedRate = agg && runs > 0 ? weightedSuccessRate(agg) : null;
    const evidence = evidenceOf.get(model);
    const chances = modelChances(evidence, prior);
    const u = draws[i];
    const meanChance = chances.first.mean;
    const drawnChance = explore.enabled ? drawChance(chances.first, u === undefined ? 0.5 : u) : meanChance;
    const time = runSecondsOf(model, snapshot.domain, config.eta, snapshot.runTimes[model]);
    firstSteps.push({ chance: meanChance, runSeconds: time.seconds });
    drawnFirstSteps.push({ chance: drawnChance, runSeconds: time.seconds });
    backupSteps.push({ chance: chances.backup.mean, runSeconds: time.seconds });
    // A minimum of evidence, no rate bar: the expected cost already weighs the chance.
    const blockedBy = i > 0 && runs < settings.bias_min_runs ? `${runs} runs < ${settings.bias_min_runs}` : null;
    return {
      model, runs, agedRate, firstRuns: evidence?.first.runs ?? 0, meanChance, drawnChance, backupChance: chances.backup.mean,
      runSeconds: time.seconds, runSecondsSource: time.source, allowed: blockedBy === null, blockedBy,
    };
  });
  // Start at i: model i's first-run chance for its own stretch, then the backup chances of the rest.
  const backupCosts = expectedCostsByStart(backupSteps, config.stoploss_per_model, config.fallback_cost_seconds);
  const costAt = (steps: ChainStep[], i: number) => steps[i]!.runSeconds * expectedRuns(steps[i]!.chance, config.stoploss_per_model) + failAll(steps[i]!.chance, config.stoploss_per_model) * backupCosts[i + 1]!;
  const positions: StartPosition[] = partial.map((p, i) => ({ ...p, expectedSeconds: costAt(firstSteps, i), drawnSeconds: costAt(drawnFirstSteps, i) }));

  let startIndex = 0;
  for (let i = 1; i < positions.length; i++) {
    if (positions[i]!.allowed && positions[i]!.drawnSeconds < positions[startIndex]!.drawnSeconds) startIndex = i;
  }
  const cold = snapshot.models.every((m) => !(m.runs > 0));
  let rule: StartDecision['rule'] = 'expected-cost';
  if (cold) {
    rule = 'cold-start';
    const scoreIndex = chain.indexOf(guide.scoreModel);
    const headTier = tierOf(chain[0]!, config.hybrid_model_tiers);
    const scoreTier = tierOf(guide.scoreModel, config.hybrid_model_tiers);
    if (scoreIndex > 0 && headTier >= 0 && scoreTier > headTier) {
      startIndex = scoreIndex;
      rule = 'cold-tier-jump';
    }
  }
  const decision: StartDecision = {
    ...guide,
    model: chain[startIndex]!,
    chain,
    startIndex,
    rule,
    startRule: 'expected-cost',
    positions,
    summary: '',
  };
  return { ...decision, summary: startSummary(decision) };
}
