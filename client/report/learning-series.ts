/**
 * The learning report's time series, from daily run counts: each model's aged success rate as it
 * stood at the end of each week (the Meta-Supervisor's weighting: a day's runs count
 * exp(-age / aging_days)), and its mean run time per week. Pure.
 */
import type { DailyRuns } from '../../db/report-repository';

export interface ModelSeries {
  model: string;
  /** Aged success rate at each point of `x` (null before the model's first run). */
  agedRate: (number | null)[];
  /** Mean run time (s) of the week ending at each point (null in a week without runs). */
  meanSeconds: (number | null)[];
}

export interface DomainSeries {
  domain: string;
  /** Week ends, seconds since the epoch. */
  x: number[];
  models: ModelSeries[];
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

/** Week ends from the first day's week to the one holding `now`. */
export function weekEnds(firstDay: number, now: number): number[] {
  const out: number[] = [];
  for (let t = firstDay + WEEK_MS; ; t += WEEK_MS) {
    out.push(t);
    if (t >= now) return out;
  }
}

export function domainSeries(days: readonly DailyRuns[], agingDays: number, now: number): DomainSeries[] {
  if (days.length === 0) return [];
  const ends = weekEnds(Math.min(...days.map((d) => d.day)), now);
  const domains = [...new Set(days.map((d) => d.domain))].sort();
  return domains.map((domain) => {
    const ofDomain = days.filter((d) => d.domain === domain);
    const models = [...new Set(ofDomain.map((d) => d.model))].sort();
    return {
      domain,
      x: ends.map((t) => t / 1000),
      models: models.map((model) => {
        const ofModel = ofDomain.filter((d) => d.model === model);
        return {
          model,
          agedRate: ends.map((t) => {
            let weighted = 0;
            let weights = 0;
            for (const d of ofModel) {
              if (d.day >= t) continue;
              const w = Math.exp(-(t - d.day) / DAY_MS / agingDays);
              weighted += w * d.successes;
              weights += w * d.runs;
            }
            return weights > 0 ? weighted / weights : null;
          }),
          meanSeconds: ends.map((t) => {
            const week = ofModel.filter((d) => d.day < t && d.day >= t - WEEK_MS);
            const runs = week.reduce((s, d) => s + d.runs, 0);
            return runs > 0 ? week.reduce((s, d) => s + d.meanMs * d.runs, 0) / runs / 1000 : null;
          }),
        };
      }),
    };
  });
}
