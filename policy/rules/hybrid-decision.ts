/**
 * Hybrid decision at the start of a task (guide section 3): start model = bias model (put in front of the chain when it is not in it) or the chain
 * head; then the hybrid score 0.40·meta + 0.30·complexity + 0.30·failure state maps to a model, and
 * when that model stands later in the task's chain than the start model, the task starts there.
 * Never earlier; a score model outside the chain changes nothing.
 *
 * Pure: imported by the workflow; every input and the rule that fired are returned for the record.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import type { BiasRecommendation } from './meta-supervisor';
import { chainStartingAt } from './routing';

/** The meta score when there is no bias (or the Meta-Supervisor is off): neutral. */
export const NEUTRAL_META_SCORE = 0.5;

/** Rounded to 9 decimals so that float noise does not move a score across a tier bound (0.7999999999 is 0.8). */
function round9(value: number): number {
  return Math.round(value * 1e9) / 1e9;
}

/** w_meta·meta + w_complexity·complexity + w_failure·failureState, rounded to 9 decimals. */
export function hybridScore(
  parts: { meta: number; complexity: number; failureState: number },
  weights: KisystemConfig['hybrid_decision_weights'],
): number {
  return round9(weights.meta_bias * parts.meta + weights.complexity * parts.complexity + weights.failure_state * parts.failureState);
}

/** The model of the first tier whose `below` exceeds the score; the unbounded last tier takes the rest. */
export function modelForScore(score: number, tiers: KisystemConfig['hybrid_model_tiers']): string {
  for (const tier of tiers) {
    if (tier.below === null || score < tier.below) return tier.model;
  }
  const last = tiers[tiers.length - 1];
  if (!last) throw new Error('modelForScore: no model tiers configured');
  return last.model;
}

/** The one score formatter (policy/rules/numbers.ts), re-exported for the callers of this module. */
export { formatScore } from './numbers';
import { formatScore } from './numbers';

/**
 * The rule that fired. The first four are the "guide" rule's (decideStart); 'expected-cost',
 * 'cold-start' and 'cold-tier-jump' are the "expected-cost" rule's (policy/rules/start-rule.ts).
 */
export type StartRule = 'static-chain-head' | 'chain-head' | 'bias' | 'hybrid-jump' | 'expected-cost' | 'cold-start' | 'cold-tier-jump';

export interface StartDecision {
  /** the model the task starts with */
  model: string;
  /** the chain the task runs on (the bias model put in front when it is not in the domain chain) */
  chain: string[];
  startIndex: number;
  rule: StartRule;
  metaEnabled: boolean;
  biasModel: string | null;
  biasConfidence: number | null;
  biasRuns: number | null;
  metaScore: number;
  complexity: number;
  complexityMatched: string[];
  failureState: number;
  finalScore: number;
  scoreModel: string;
  /** one line for people, e.g. "start deepseek-r1:32b: bias 0.91 (15 runs), complexity 1.0, failure 0.7 -> 0.874" */
  summary: string;
  /** Which start rule (config `start_rule`) decided; absent in decisions made before the rule existed ("guide"). */
  startRule?: 'guide' | 'expected-cost';
  /** Under "expected-cost": every chain position with its evidence, chances, run time and costs. */
  positions?: StartPosition[];
}

/** One chain position as the "expected-cost" rule saw it (policy/rules/start-rule.ts). */
export interface StartPosition {
  model: string;
  /** plain model-phase runs of this model in the domain */
  runs: number;
  /** aged success rate sum(w·success)/sum(w); null without runs */
  agedRate: number | null;
  /** posterior mean of the per-run chance */
  meanChance: number;
  /** the chance drawn from the posterior for this decision (exploration) */
  drawnChance: number;
  /** per-run seconds and where they come from ("history: median of 7 runs", "table: ...") */
  runSeconds: number;
  runSecondsSource: string;
  /** expected cost of the whole task when starting here, with posterior means / with the drawn chances */
  expectedSeconds: number;
  drawnSeconds: number;
  /** whether the task may start here (the head, or at least `bias_min_runs` runs) */
  allowed: boolean;
  /** why a position is not allowed, e.g. "3 runs < 5" */
  blockedBy: string | null;
}

export interface StartInput {
  domainChain: readonly string[];
  bias: BiasRecommendation | null;
  complexity: { score: number; matched: string[] };
  failureState: number;
  config: Pick<KisystemConfig, 'enable_meta_supervisor' | 'hybrid_decision_weights' | 'hybrid_model_tiers'>;
}

function unique(models: readonly string[]): string[] {
  return [...new Set(models)];
}

/**
 * The start of a task.
 *
 * - Meta-Supervisor off (`enable_meta_supervisor: false`): the chain head, rule 'static-chain-head'
 *   (Phase 6). A bias handed in is ignored (bias fields null); the scores are still computed, with
 *   meta 0.5, for the record.
 * - On, with a bias: start at the bias model (put in front of the chain when it is not in it), rule
 *   'bias' (also when the bias model is the chain head: the bias rule chose it); meta = its weighted
 *   success rate.
 * - On, no bias: the chain head, rule 'chain-head'; meta 0.5.
 * - On: when the model the final score maps to stands later in the task's chain than the start
 *   model, start there instead, rule 'hybrid-jump'.
 *
 * A chain that names a model twice keeps its first place. Throws when there is no model at all
 * (empty chain and no bias), which a validated config rules out.
 */
export function decideStart(input: StartInput): StartDecision {
  const { config } = input;
  const domainChain = unique(input.domainChain);
  const metaEnabled = config.enable_meta_supervisor;
  const bias = metaEnabled ? input.bias : null;
  if (domainChain.length === 0 && !bias) throw new Error('decideStart: the domain chain is empty and there is no bias model');

  const start = bias ? chainStartingAt(domainChain, bias.model) : { models: domainChain, startIndex: 0 };
  const chain = start.models;
  const metaScore = bias ? Math.min(1, Math.max(0, bias.weightedSuccessRate)) : NEUTRAL_META_SCORE;
  const finalScore = hybridScore({ meta: metaScore, complexity: input.complexity.score, failureState: input.failureState }, config.hybrid_decision_weights);
  const scoreModel = modelForScore(finalScore, config.hybrid_model_tiers);

  let startIndex = start.startIndex;
  let rule: StartRule = !metaEnabled ? 'static-chain-head' : bias ? 'bias' : 'chain-head';
  const scoreIndex = chain.indexOf(scoreModel);
  if (metaEnabled && scoreIndex > startIndex) {
    startIndex = scoreIndex;
    rule = 'hybrid-jump';
  }
  const model = chain[startIndex]!;

  const metaPart = bias
    ? `bias ${formatScore(metaScore)} (${bias.runs} runs)`
    : metaEnabled
      ? `no bias (meta ${formatScore(metaScore)})`
      : `meta-supervisor off (meta ${formatScore(metaScore)})`;
  let summary = `start ${model}: ${metaPart}, complexity ${formatScore(input.complexity.score)}, failure ${formatScore(input.failureState)} -> ${formatScore(finalScore)}`;
  if (rule === 'static-chain-head') {
    summary += `; chain head (score maps to ${scoreModel}, for the record only)`;
  } else if (rule !== 'hybrid-jump') {
    const where = scoreModel === model ? 'the start model' : scoreIndex < 0 ? 'not in the chain' : 'not later in the chain';
    summary += `; score maps to ${scoreModel} (${where}), ${rule === 'bias' ? 'bias model' : 'chain head'} kept`;
  }

  return {
    model,
    chain,
    startIndex,
    rule,
    metaEnabled,
    biasModel: bias ? bias.model : null,
    biasConfidence: bias ? metaScore : null,
    biasRuns: bias ? bias.runs : null,
    metaScore,
    complexity: input.complexity.score,
    complexityMatched: [...input.complexity.matched],
    failureState: input.failureState,
    finalScore,
    scoreModel,
    summary,
  };
}
