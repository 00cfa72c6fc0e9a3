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
 * Per task, the same again by the task's own complexity (the hybrid's complexity estimate, rounded
 * to a tenth): the slice of runs on tasks of that complexity, shrunk towards the model's chance
 * over all complexities with the prior strength. Hardness is the rest of the gap to the oracle, and
 * the learner reads how much the complexity signal is worth from the runs themselves: a signal that
 * predicts nothing leaves every slice at the model's overall chance.
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

export interface ComplexitySlice {
  /** the task complexity, rounded to a tenth */
  complexity: number;
  first: AgedCounts;
  backup: AgedCounts;
}

/** One model's runs in one domain, split by first/backup and by task complexity. */
export interface ModelEvidence {
  model: string;
  first: AgedCounts;
  backup: AgedCounts;
  byComplexity: readonly ComplexitySlice[];
}

export const NO_RUNS: AgedCounts = Object.freeze({ runs: 0, weightedSuccesses: 0, weightSum: 0 });

/** The complexity slice a task falls in: its complexity rounded to a tenth. */
export function complexitySlice(score: number): number {
  return Math.round(Math.min(1, Math.max(0, Number.isFinite(score) ? score : 0.5)) * 10) / 10;
}

/** Beta(strength·parentMean + successes, strength·(1 - parentMean) + failures). */
function shrunk(counts: AgedCounts, parentMean: number, strength: number): BetaPosterior {
  return agedPosterior(counts, Math.min(1 - 1e-9, Math.max(1e-9, parentMean)), strength);
}

export interface ModelChances {
  /** chance per run when the task starts at this model (first-run evidence of this task's complexity) */
  first: BetaPosterior;
  /** chance per run when the model is reached after earlier models failed the task */
  backup: BetaPosterior;
}

/** The runs of `all` outside `part` (a slice's parent must not count the slice's own runs twice). */
function without(all: AgedCounts, part: AgedCounts): AgedCounts {
  return {
    runs: Math.max(0, all.runs - part.runs),
    weightedSuccesses: Math.max(0, all.weightedSuccesses - part.weightedSuccesses),
    weightSum: Math.max(0, all.weightSum - part.weightSum),
  };
}

/** The per-task chances of one model for a task of the given complexity. */
export function modelChances(evidence: ModelEvidence | undefined, complexity: number, prior: { mean: number; strength: number }): ModelChances {
  const e = evidence ?? { model: '', first: NO_RUNS, backup: NO_RUNS, byComplexity: [] };
  const slice = e.byComplexity.find((s) => s.complexity === complexitySlice(complexity)) ?? { first: NO_RUNS, backup: NO_RUNS };
  // Parents from the runs on tasks of other complexities; the slice's own runs come on top.
  const backupOthers = shrunk(without(e.backup, slice.backup), prior.mean, prior.strength);
  const firstOthers = shrunk(without(e.first, slice.first), shrunk(e.backup, prior.mean, prior.strength).mean, prior.strength);
  return { first: shrunk(slice.first, firstOthers.mean, prior.strength), backup: shrunk(slice.backup, backupOthers.mean, prior.strength) };
}

/** Adds one run to a slice's aged sums (weight w). */
export function addRun(counts: AgedCounts, success: boolean, weight: number): AgedCounts {
  return { runs: counts.runs + 1, weightedSuccesses: counts.weightedSuccesses + (success ? weight : 0), weightSum: counts.weightSum + weight };
}
