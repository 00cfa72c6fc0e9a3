/**
 * Expected machine time of a whole task when it starts at a given position of its chain and then
 * follows the unchanged stop-loss (rule
 * "expected-cost").
 *
 * Model j of the chain gets at most k = `stoploss_per_model` runs, each succeeding with chance p_j
 * and costing t_j seconds. Expected runs at j: sum_{a<k} (1-p_j)^a = (1 - (1-p_j)^k) / p_j (k when
 * p_j = 0); the task leaves j unsolved with chance (1-p_j)^k. After the last model comes the manual
 * fallback, costed `fallback_cost_seconds` (a person's time). Backwards:
 *   C(n) = F,  C(j) = t_j · runs_j + (1-p_j)^k · C(j+1),  cost of starting at i = C(i).
 *
 * Approximation, said plainly: an error of severity >= 4 (which moves on after one run) and a
 * non-recoverable error (straight to the fallback) are not modelled; both count as ordinary failed
 * runs. That overstates the runs spent at a poor model by at most one run per model, equally for
 * every start position that includes it.
 * Pure: no I/O, no clock.
 */

export interface ChainStep {
  /** per-run success chance, in [0, 1] */
  chance: number;
  /** per-run machine time, seconds (> 0) */
  runSeconds: number;
}

/** Expected runs of one model under stop-loss k with per-run chance p. */
export function expectedRuns(chance: number, stoploss: number): number {
  const p = Math.min(1, Math.max(0, chance));
  if (p === 0) return stoploss;
  return (1 - (1 - p) ** stoploss) / p;
}

/** Chance that a model fails k runs in a row. */
export function failAll(chance: number, stoploss: number): number {
  return (1 - Math.min(1, Math.max(0, chance))) ** stoploss;
}

/** C(i) for every start position i (index i of the result), plus C(n) = fallback at index n. */
export function expectedCostsByStart(steps: readonly ChainStep[], stoploss: number, fallbackSeconds: number): number[] {
  const costs = new Array<number>(steps.length + 1);
  costs[steps.length] = fallbackSeconds;
  for (let j = steps.length - 1; j >= 0; j--) {
    const step = steps[j]!;
    costs[j] = step.runSeconds * expectedRuns(step.chance, stoploss) + failAll(step.chance, stoploss) * costs[j + 1]!;
  }
  return costs;
}
