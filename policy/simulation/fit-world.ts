/**
 * A simulated world fitted from a team's own learning history (`kisystem simulate`):
 * per domain and model the aged per-run success chance (the Beta posterior mean of the
 * expected-cost rule, from model-phase runs) and the median run time; per domain the task rate.
 * Every task of the fitted world is "medium" (the history does not say how hard a task was).
 *
 * Said plainly: a model later in a chain mostly sees the tasks the earlier models failed, so its
 * fitted chance is lower than it would be on every task; the what-if is as good as the history.
 * Pure: the caller reads the runs (Postgres or a JSON Lines export) and hands them in.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import { agingWeight } from '../rules/meta-supervisor';
import { median } from '../rules/numbers';
import { agedPosterior } from '../rules/posterior';
import { runSecondsOf } from '../rules/start-rule';
import type { SeedRun, World } from './decision-sim';

/** The fields of a run the fit reads (as in `runs` and in a `learning export` line). */
export interface HistoryRun {
  workflow_run_id: string;
  attempt_no: number;
  domain: string;
  model: string;
  source: string;
  outcome: string;
  duration_ms: number;
  finished_at: string;
}

export interface FittedModel {
  domain: string;
  model: string;
  runs: number;
  chance: number;
  medianSeconds: number;
  timeSource: string;
}

export interface FittedWorld {
  world: World;
  /** tasks per day per domain over the fitted span */
  perDay: Record<string, number>;
  /** days the history spans (at least 1) */
  spanDays: number;
  models: FittedModel[];
  modelPhaseRuns: number;
  /** the model-phase runs as the simulated history's start (day 0 = now) */
  seedRuns: SeedRun[];
}

/** Model-phase runs only: by a model (not manual), before the first success of their workflow run. */
export function modelPhaseRuns(runs: readonly HistoryRun[]): HistoryRun[] {
  const firstSuccess = new Map<string, number>();
  for (const r of runs) {
    if (r.outcome !== 'success') continue;
    const seen = firstSuccess.get(r.workflow_run_id);
    if (seen === undefined || r.attempt_no < seen) firstSuccess.set(r.workflow_run_id, r.attempt_no);
  }
  return runs.filter((r) => r.source === 'model' && !(r.attempt_no > (firstSuccess.get(r.workflow_run_id) ?? Number.POSITIVE_INFINITY)));
}


export function fitWorld(runs: readonly HistoryRun[], config: KisystemConfig, now: Date): FittedWorld {
  const model = modelPhaseRuns(runs);
  if (model.length === 0) throw new Error('the history has no model-phase runs to fit a world from');
  const nowMs = now.getTime();
  const times = model.map((r) => Date.parse(r.finished_at));
  const spanDays = Math.max(1, (Math.max(...times) - Math.min(...times)) / 86_400_000);
  const groups = new Map<string, HistoryRun[]>();
  const tasks = new Map<string, Set<string>>();
  for (const r of model) {
    const key = `${r.domain}\u0000${r.model}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
    tasks.set(r.domain, (tasks.get(r.domain) ?? new Set()).add(r.workflow_run_id));
  }
  const fitted: FittedModel[] = [];
  for (const [key, list] of groups) {
    const [domain, name] = key.split('\u0000') as [string, string];
    let w = 0;
    let ws = 0;
    for (const r of list) {
      const weight = agingWeight((nowMs - Date.parse(r.finished_at)) / 86_400_000, config.meta_supervisor.aging_days);
      w += weight;
      ws += r.outcome === 'success' ? weight : 0;
    }
    const chance = agedPosterior({ weightedSuccesses: ws, weightSum: w }, config.start_exploration.prior_mean, config.start_exploration.prior_strength).mean;
    const durations = list.map((r) => r.duration_ms / 1000).filter((s) => s > 0);
    const time = runSecondsOf(name, domain, config.eta, durations.length ? { medianSeconds: median(durations), samples: durations.length } : undefined);
    fitted.push({ domain, model: name, runs: list.length, chance, medianSeconds: time.seconds, timeSource: time.source });
  }
  const byKey = new Map(fitted.map((f) => [`${f.domain}\u0000${f.model}`, f]));
  const perDay: Record<string, number> = {};
  for (const [domain, set] of tasks) perDay[domain] = set.size / spanDays;
  const world: World = {
    name: 'fitted from the history',
    chainRight: false,
    // A model the history never ran gets the prior mean.
    chance: (domain, m) => byKey.get(`${domain}\u0000${m}`)?.chance ?? config.start_exploration.prior_mean,
    runSeconds: (domain, m) => byKey.get(`${domain}\u0000${m}`)?.medianSeconds ?? runSecondsOf(m, domain, config.eta, undefined).seconds,
  };
  const seedRuns: SeedRun[] = model
    .map((r) => ({ domain: r.domain, model: r.model, day: (Date.parse(r.finished_at) - nowMs) / 86_400_000, success: r.outcome === 'success', seconds: r.duration_ms / 1000 }))
    .sort((a, b) => a.day - b.day);
  return { world, perDay, spanDays, models: fitted.sort((a, b) => (a.domain + a.model < b.domain + b.model ? -1 : 1)), modelPhaseRuns: model.length, seedRuns };
}
