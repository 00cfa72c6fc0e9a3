/**
 * Per-run success chance of a model in a domain as an aged Beta posterior (rule "expected-cost"), and deterministic draws from it.
 *
 * The aged sums of the Meta-Supervisor (sum(w·success), sum(w) with w = exp(-age/aging_days)) are
 * pseudo-counts: Beta(s·m + sum(w·success), s·(1 - m) + sum(w) - sum(w·success)), with prior mean m
 * and prior strength s (config). While a model has few (or only old) runs the prior dominates and
 * the posterior is wide; with many fresh runs it narrows to the aged rate.
 *
 * A draw is the posterior's inverse CDF at a uniform number handed in (the workflow's seeded
 * Math.random): one number per model, no rejection loop, so equal inputs give equal draws on replay.
 * Pure: no I/O, no clock, no randomness of its own.
 */

export interface BetaPosterior {
  alpha: number;
  beta: number;
  /** alpha / (alpha + beta) */
  mean: number;
}

export interface AgedSums {
  /** sum(w·success) */
  weightedSuccesses: number;
  /** sum(w) */
  weightSum: number;
}

/** Beta(prior·mean + successes, prior·(1-mean) + failures) from aged sums; non-finite or negative sums count as 0. */
export function agedPosterior(sums: AgedSums, priorMean: number, priorStrength: number): BetaPosterior {
  const weight = Number.isFinite(sums.weightSum) && sums.weightSum > 0 ? sums.weightSum : 0;
  const wins = Number.isFinite(sums.weightedSuccesses) ? Math.min(weight, Math.max(0, sums.weightedSuccesses)) : 0;
  const alpha = priorStrength * priorMean + wins;
  const beta = priorStrength * (1 - priorMean) + (weight - wins);
  return { alpha, beta, mean: alpha / (alpha + beta) };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, 9 terms; relative error below 1e-13). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0]!;
  for (let i = 1; i < 9; i++) sum += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-14) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), the CDF of Beta(a, b) at x. */
export function betaCdf(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(1 - x, b, a)) / b;
}

/**
 * The u-quantile of Beta(a, b) by bisection on the CDF (44 halvings: exact to 1e-13, monotone in
 * u, so a larger uniform never gives a smaller chance). u outside (0, 1) is clamped.
 */
export function betaQuantile(u: number, a: number, b: number): number {
  const target = Math.min(1 - 1e-12, Math.max(1e-12, Number.isFinite(u) ? u : 0.5));
  let low = 0;
  let high = 1;
  for (let i = 0; i < 44; i++) {
    const mid = (low + high) / 2;
    if (betaCdf(mid, a, b) < target) low = mid;
    else high = mid;
  }
  return (low + high) / 2;
}

/** A draw from the posterior at the uniform number u (Thompson sampling with a given random). */
export function drawChance(posterior: BetaPosterior, u: number): number {
  return betaQuantile(u, posterior.alpha, posterior.beta);
}
