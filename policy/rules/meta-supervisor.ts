/**
 * The Meta-Supervisor (guide section 1): task priorities per domain
 * and the model bias per domain, computed from aggregates of the learning history.
 *
 * Pure and read-only: the database side hands in the aggregates (SQL sums and means); nothing here
 * reads a clock (`now` is a parameter) or writes anywhere, so workflow code may import it.
 */
import type { KisystemConfig } from '../schemas/config-schema';

/** Per-domain aggregate of the learning history (plain, unaged figures). */
export interface DomainAggregate {
  domain: string;
  runs: number;
  successes: number;
  /** mean run duration, seconds */
  meanDurationSeconds: number;
  lastFailureAt: string | null;
  lastSuccessAt: string | null;
}

/** Per (domain, model) aggregate with exponential aging already summed by SQL: weightedSuccesses = sum(w*success), weightSum = sum(w). */
export interface ModelAggregate {
  domain: string;
  model: string;
  runs: number;
  successes: number;
  weightedSuccesses: number;
  weightSum: number;
}

export interface PriorityFactors {
  failure_contribution: number;
  time_contribution: number;
  count_contribution: number;
  recency_boost: number;
}

export interface PriorityExplanation {
  domain: string;
  priority_score: number;
  factors: PriorityFactors;
  success_rate: number;
  avg_time: number;
  run_count: number;
  /** R itself and why */
  recency: { R: number; reason: string };
}

export interface BiasRecommendation {
  domain: string;
  model: string;
  weightedSuccessRate: number;
  runs: number;
}

type MetaSettings = KisystemConfig['meta_supervisor'];
type MetaWeights = KisystemConfig['meta_supervisor_weights'];
export type MetaConfig = Pick<KisystemConfig, 'meta_supervisor' | 'meta_supervisor_weights'>;

const DAY_MS = 24 * 3600 * 1000;

/**
 * Rates are compared after rounding to 9 decimals, so that a rate that SQL sums make 0.6499999999
 * still meets a 0.65 threshold, and two rates that differ only by float noise tie (rounding keeps
 * the comparison transitive, so the result does not depend on the order of the input).
 */
function rateKey(rate: number): number {
  return Math.round(rate * 1e9) / 1e9;
}

function finiteOr(value: number, fallback: number): number {
  return Number.isFinite(value) ? value : fallback;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * Weight of a run `ageDays` old in the model bias: exp(-age / agingDays) (guide: exp(-age/30)).
 * A negative age (a clock ahead of `now`) counts as 0 days, so a weight never exceeds 1.
 */
export function agingWeight(ageDays: number, agingDays = 30): number {
  return Math.exp(-Math.max(0, finiteOr(ageDays, 0)) / agingDays);
}

/** Age in days of an ISO timestamp at `now`; null when absent or unreadable. */
function ageInDays(at: string | null, nowMs: number): number | null {
  if (at === null) return null;
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) return null;
  return (nowMs - ms) / DAY_MS;
}

function toMs(now: string | Date): number {
  const ms = typeof now === 'string' ? Date.parse(now) : now.getTime();
  if (Number.isNaN(ms)) throw new Error(`meta-supervisor: "now" is not a valid time: ${String(now)}`);
  return ms;
}

function days(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return `${rounded} ${rounded === 1 ? 'day' : 'days'}`;
}

/**
 * The recency boost R: +boost when the domain's newest failed run is younger than
 * `recency_failure_days` (3); otherwise -boost when its newest successful run is younger than
 * `recency_success_days` (1); otherwise 0. "Younger than" is strict: a failure exactly 3 days old
 * no longer counts. An unreadable timestamp counts as absent. A timestamp after `now` (clock skew)
 * counts as recent.
 */
export function recencyBoost(
  agg: Pick<DomainAggregate, 'lastFailureAt' | 'lastSuccessAt'>,
  now: string | Date,
  settings: MetaSettings,
): { R: number; reason: string } {
  const nowMs = toMs(now);
  const boost = settings.recency_boost;
  const failureAge = ageInDays(agg.lastFailureAt, nowMs);
  if (failureAge !== null && failureAge < settings.recency_failure_days) {
    return { R: boost, reason: `newest failure ${days(failureAge)} old (< ${days(settings.recency_failure_days)}): +${boost}` };
  }
  const noFailure =
    failureAge === null ? 'no failed run' : `newest failure ${days(failureAge)} old (not < ${days(settings.recency_failure_days)})`;
  const successAge = ageInDays(agg.lastSuccessAt, nowMs);
  if (successAge !== null && successAge < settings.recency_success_days) {
    return { R: -boost, reason: `${noFailure}, newest success ${days(successAge)} old (< ${days(settings.recency_success_days)}): -${boost}` };
  }
  const noSuccess =
    successAge === null ? 'no successful run' : `newest success ${days(successAge)} old (not < ${days(settings.recency_success_days)})`;
  return { R: 0, reason: `${noFailure}, ${noSuccess}: 0` };
}

/**
 * P(d) = w_f·(1 - sr) + w_t/(1 + t) + w_c·min(1, c / countSaturation) + w_R·R (guide section 1).
 *
 * Inputs are kept in their domains first: sr in [0, 1], t >= 0, c >= 0 (a non-finite value counts
 * as 0). R is used as given. With weights summing to 1 and R in [-0.1, 0.1], P lies in
 * [-0.1·w_R, w_f + w_t + w_c + 0.1·w_R] = [-0.1·w_R, 1 - 0.9·w_R].
 */
export function priorityScore(
  inputs: { sr: number; t: number; c: number; R: number },
  weights: MetaWeights,
  countSaturation = 20,
): { score: number; factors: PriorityFactors } {
  const sr = clamp(finiteOr(inputs.sr, 0), 0, 1);
  const t = Math.max(0, finiteOr(inputs.t, 0));
  const c = Math.max(0, finiteOr(inputs.c, 0));
  const factors: PriorityFactors = {
    failure_contribution: weights.failure_weight * (1 - sr),
    time_contribution: weights.time_weight / (1 + t),
    count_contribution: weights.count_weight * Math.min(1, c / countSaturation),
    recency_boost: weights.recency_weight * inputs.R,
  };
  const score = factors.failure_contribution + factors.time_contribution + factors.count_contribution + factors.recency_boost;
  return { score, factors };
}

/**
 * The priority of one domain with every factor (the guide's `explain_priority`).
 *
 * sr = successes / runs, t = mean run duration, c = runs (plain figures).
 * A domain with 0 runs has sr = 0 and t = 0: nothing has been solved there yet and nothing is known
 * to be slow, so it gets the full failure and time contributions (w_f + w_t = 0.7 with the default
 * weights) and no count contribution; R still follows its timestamps (none: 0). An untried domain
 * thus ranks high, which is what the priorities are for: the problems that are not solved yet.
 * successes is capped at runs, negative or non-finite figures count as 0.
 */
export function explainPriority(agg: DomainAggregate, now: string | Date, config: MetaConfig): PriorityExplanation {
  const runs = Math.max(0, finiteOr(agg.runs, 0));
  const sr = runs > 0 ? clamp(finiteOr(agg.successes, 0) / runs, 0, 1) : 0;
  const t = runs > 0 ? Math.max(0, finiteOr(agg.meanDurationSeconds, 0)) : 0;
  const recency = recencyBoost(agg, now, config.meta_supervisor);
  const { score, factors } = priorityScore({ sr, t, c: runs, R: recency.R }, config.meta_supervisor_weights, config.meta_supervisor.count_saturation);
  return { domain: agg.domain, priority_score: score, factors, success_rate: sr, avg_time: t, run_count: runs, recency };
}

/**
 * Domains by priority, highest first (the guide's `next_priorities`); equal scores go by domain name
 * (plain code-unit order, independent of locale). `topN` keeps the first N (all when absent).
 */
export function nextPriorities(aggs: readonly DomainAggregate[], now: string | Date, config: MetaConfig, topN?: number): [string, number][] {
  const ranked = aggs
    .map((agg): [string, number] => [agg.domain, explainPriority(agg, now, config).priority_score])
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return topN === undefined ? ranked : ranked.slice(0, Math.max(0, Math.floor(topN)));
}

/** sum(w·success) / sum(w) of one model in one domain; 0 when there is no weight. Kept in [0, 1]. */
export function weightedSuccessRate(m: ModelAggregate): number {
  if (!(m.weightSum > 0) || !Number.isFinite(m.weightSum) || !Number.isFinite(m.weightedSuccesses)) return 0;
  return clamp(m.weightedSuccesses / m.weightSum, 0, 1);
}

/**
 * The bias rule's thresholds: weighted success rate >= `bias_min_success_rate` (0.65)
 * AND plain run count >= `bias_min_runs` (5). The rate is compared rounded to 9 decimals.
 */
export function qualifies(m: ModelAggregate, settings: MetaSettings): boolean {
  return rateKey(weightedSuccessRate(m)) >= settings.bias_min_success_rate && m.runs >= settings.bias_min_runs;
}

function chainPosition(chain: readonly string[] | undefined, model: string): number {
  const index = chain ? chain.indexOf(model) : -1;
  return index >= 0 ? index : Number.POSITIVE_INFINITY;
}

/**
 * The model bias per domain (the guide's `recommend_model_bias`): among the qualifying models of a
 * domain, the highest weighted success rate; ties go to more runs, then to the earlier position in
 * the domain's chain (a model outside the chain after every chain model), then to the model name.
 * A domain without a qualifying model has no entry.
 */
export function recommendModelBias(
  models: readonly ModelAggregate[],
  chains: Partial<Record<string, readonly string[]>>,
  settings: MetaSettings,
): Record<string, BiasRecommendation> {
  const best: Record<string, BiasRecommendation> = {};
  for (const m of models) {
    if (!qualifies(m, settings)) continue;
    const candidate: BiasRecommendation = { domain: m.domain, model: m.model, weightedSuccessRate: weightedSuccessRate(m), runs: m.runs };
    const current = best[m.domain];
    if (!current || better(candidate, current, chains[m.domain])) best[m.domain] = candidate;
  }
  return best;
}

function better(a: BiasRecommendation, b: BiasRecommendation, chain: readonly string[] | undefined): boolean {
  const rateA = rateKey(a.weightedSuccessRate);
  const rateB = rateKey(b.weightedSuccessRate);
  if (rateA !== rateB) return rateA > rateB;
  if (a.runs !== b.runs) return a.runs > b.runs;
  const posA = chainPosition(chain, a.model);
  const posB = chainPosition(chain, b.model);
  if (posA !== posB) return posA < posB;
  return a.model < b.model;
}
