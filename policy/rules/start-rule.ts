/**
 * The start of a task: ONE pure function, used by the task workflow and by the decision benchmark.
 * Config `start_rule` picks the rule:
 *
 * - "guide": {@link decideStart} unchanged (bias model, then the hybrid jump).
 * - "expected-cost" (default): for every position i of the domain's chain, the expected machine time
 *   of the whole task starting there under the stop-loss (policy/rules/expected-cost.ts), with per-run
 *   chances from their aged Beta posteriors (policy/rules/posterior.ts): posterior means, or, when
 *   `start_exploration.enabled`, draws with the uniform numbers handed in (the workflow's seeded
 *   random); per-run times learned from the history (median of at least `eta.history_min_samples`
 *   model-phase runs, else the guide's table). The start is the allowed position with the lowest
 *   cost (ties: the earlier one). Allowed: the chain head, a later model with at least
 *   `bias_min_runs` runs, and a later model with fewer runs whose start, costed at the
 *   `start_exploration.evidence_quantile` quantile of its chance's posterior, still beats the best
 *   start the minimum allows (clear evidence moves after few runs, weak evidence waits); no rate bar: the expected cost already weighs the chance, and a later
 *   model's rate, taken on the tasks every model before it failed, stays far under its chance on a
 *   fresh task. That backup rate is kept as it is: it is the chance of the model reached as a backup
 *   (it carries how hard tasks fail everywhere), and it errs towards the chain head, the cheap
 *   mistake (docs/benchmarks.md "Start decisions, second step" has the corrections measured and
 *   dropped). The hybrid score is computed and recorded; it moves the start only on a cold start (no
 *   run at all in the domain), and only to a later model whose tier in `hybrid_model_tiers` is more
 *   capable than the start model's (a model outside the tiers is never "more capable" nor outdone:
 *   its capability is unknown).
 * - `enable_meta_supervisor: false`: the chain head under either rule (Phase 6).
 *
 * Pure: no I/O, no clock, no randomness of its own.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import type { ErrorType } from '../run-types';
import { taskComplexity } from './complexity';
import { tableEta } from './eta';
import { expectedCostsByStart, type ChainStep } from './expected-cost';
import { decideStart, type StartDecision, type StartPosition } from './hybrid-decision';
import type { BiasRecommendation, ModelAggregate } from './meta-supervisor';
import { weightedSuccessRate } from './meta-supervisor';
import { failureStateScore } from './failure-state';
import { agedPosterior, drawChance } from './posterior';
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
  const byModel = new Map(snapshot.models.map((m) => [m.model, m]));
  const steps: ChainStep[] = [];
  const drawnSteps: ChainStep[] = [];
  const partial = chain.map((model, i) => {
    const agg = byModel.get(model);
    const runs = agg?.runs ?? 0;
    const agedRate = agg && runs > 0 ? weightedSuccessRate(agg) : null;
    const posterior = agedPosterior(agg ?? { weightedSuccesses: 0, weightSum: 0 }, explore.prior_mean, explore.prior_strength);
    const u = draws[i];
    const drawnChance = explore.enabled ? drawChance(posterior, u === undefined ? 0.5 : u) : posterior.mean;
    const time = runSecondsOf(model, snapshot.domain, config.eta, snapshot.runTimes[model]);
    steps.push({ chance: posterior.mean, runSeconds: time.seconds });
    drawnSteps.push({ chance: drawnChance, runSeconds: time.seconds });
    // A minimum of evidence, no rate bar: the expected cost already weighs the chance.
    const blockedBy = i > 0 && runs < settings.bias_min_runs ? `${runs} runs < ${settings.bias_min_runs}` : null;
    return { model, runs, agedRate, meanChance: posterior.mean, drawnChance, runSeconds: time.seconds, runSecondsSource: time.source, allowed: blockedBy === null, blockedBy };
  });
  const expected = expectedCostsByStart(steps, config.stoploss_per_model, config.fallback_cost_seconds);
  const drawn = expectedCostsByStart(drawnSteps, config.stoploss_per_model, config.fallback_cost_seconds);
  const positions: StartPosition[] = partial.map((p, i) => ({ ...p, expectedSeconds: expected[i]!, drawnSeconds: drawn[i]! }));

  let startIndex = 0;
  for (let i = 1; i < positions.length; i++) {
    if (positions[i]!.allowed && positions[i]!.drawnSeconds < positions[startIndex]!.drawnSeconds) startIndex = i;
  }
  // Under the run minimum, a start whose pessimistic cost (its chance at a low posterior quantile)
  // still beats the best start the minimum allows is taken: few runs suffice when they are clear.
  if (explore.evidence_quantile > 0) {
    let best = startIndex;
    for (let i = 1; i < positions.length; i++) {
      const p = positions[i]!;
      if (p.allowed || p.runs === 0) continue;
      const posterior = agedPosterior(byModel.get(p.model)!, explore.prior_mean, explore.prior_strength);
      const pessimistic = steps.map((s, j) => (j === i ? { ...s, chance: drawChance(posterior, explore.evidence_quantile) } : s));
      const cost = expectedCostsByStart(pessimistic, config.stoploss_per_model, config.fallback_cost_seconds)[i]!;
      if (cost < positions[best]!.drawnSeconds) {
        best = i;
        positions[i] = { ...p, allowed: true, blockedBy: null };
      }
    }
    startIndex = best;
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
