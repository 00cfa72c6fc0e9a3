/**
 * What the "expected-cost" start rule knows of a model's per-run chance, split by how a task came
 * to the model (decisions.md "Choosing and escalating models", "Evidence for a later start").
 *
 * - **first** runs: runs of a task's start model, the task's first stretch. A fair sample of the
 *   model's chance on the tasks that start there.
 * - **backup** runs: runs after another model failed the task. Not a fair sample: a later model of
 *   the chain sees only the tasks every model before it failed twice, the hardest ones, so its
 *   backup rate stays far under its chance on a fresh task. It is, though, exactly the chance the
 *   expected cost needs for a model reached as a backup.
 *
 * The chance of starting at a model therefore comes from its first runs; the chance of a model
 * reached later in the chain from its backup runs. Both are aged Beta posteriors
 * (policy/rules/posterior.ts) shrunk towards a parent: a slice with no runs of its own says what
 * its parent says, and few runs move it little.
 *   first-run chance: parent = config prior (prior_mean, prior_strength);
 *   backup chance: parent = the first-run chance (a model never reached as a backup is assumed to
 *     do on backup tasks what it does on fresh ones until runs say otherwise).
 * Measured on the decision benchmark (docs/benchmarks.md "Start decisions, second step"), neither
 * refinement pays yet, so the history hands in its pooled aggregates (start-rule.ts pooledEvidence):
 * - the split (first runs vs backups) cost 1 to 6 % more machine time than the pooled aggregates in
 *   every world where a later start pays: a model's first runs are few, and a start chance drawn
 *   from few runs over-trusts early luck, where the pooled rate (biased low, but from many runs)
 *   errs towards the chain head, which is the cheap mistake;
 * - slicing the runs by the task's complexity (a tenth per slice, each shrunk towards the model's
 *   other runs) cost 0.3 to 2.5 % more in every world, the noisy-signal world included: the slices
 *   learn slower than the hardness they tell apart is worth.
 * The split stays an input a caller may hand in (StartSnapshot.evidence).
 *
 * Pure: no I/O, no clock, no randomness of its own.
 */
import type { BetaPosterior } from './posterior';
import { agedPosterior } from './posterior';

/** Aged sums of a slice of a model's runs (w = exp(-age_days / aging_days)). */
export interface AgedCounts {
  /** plain run count */
  runs: number;
  /** sum(w·success) */
  weightedSuccesses: number;
  /** sum(w) */
  weightSum: number;
}

/** One model's runs in one domain, split into first runs and backup runs. */
export interface ModelEvidence {
  model: string;
  first: AgedCounts;
  backup: AgedCounts;
}

export const NO_RUNS: AgedCounts = Object.freeze({ runs: 0, weightedSuccesses: 0, weightSum: 0 });

/** Beta(strength·parentMean + successes, strength·(1 - parentMean) + failures). */
function shrunk(counts: AgedCounts, parentMean: number, strength: number): BetaPosterior {
  return agedPosterior(counts, Math.min(1 - 1e-9, Math.max(1e-9, parentMean)), strength);
}

export interface ModelChances {
  /** chance per run when the task starts at this model */
  first: BetaPosterior;
  /** chance per run when the model is reached after earlier models failed the task */
  backup: BetaPosterior;
}

/** The chances of one model. */
export function modelChances(evidence: ModelEvidence | undefined, prior: { mean: number; strength: number }): ModelChances {
  const backup = shrunk(evidence?.backup ?? NO_RUNS, prior.mean, prior.strength);
  return { first: shrunk(evidence?.first ?? NO_RUNS, backup.mean, prior.strength), backup };
}

/** Adds one run to a slice's aged sums (weight w). */
export function addRun(counts: AgedCounts, success: boolean, weight: number): AgedCounts {
  return { runs: counts.runs + 1, weightedSuccesses: counts.weightedSuccesses + (success ? weight : 0), weightSum: counts.weightSum + weight };
}
