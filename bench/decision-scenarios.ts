/**
 * The decision benchmark's worlds and what it measures per policy: recovered %, mean
 * machine time per task (fallbacks costed), time to success, start == oracle %, days to follow a
 * drift; and the targets for "expected-cost".
 */
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { makeTasks, simulate, type PolicyName, type SimTask, type TaskOutcome, type World } from '../policy/simulation/decision-sim';

/** Hidden per-run chances of a medium task, per domain and model. */
type Table = Record<string, Record<string, number>>;

const RIGHT: Table = {
  'CUDA/Kernel': { 'qwen2.5-coder:32b': 0.75, 'deepseek-r1:32b': 0.85, 'deepseek-coder-v2:16b': 0.5, 'qwen2.5:32b': 0.4 },
  'C++/System': { 'deepseek-coder-v2:16b': 0.7, 'qwen2.5-coder:32b': 0.75, 'deepseek-r1:32b': 0.85 },
};
const HEAD_POOR: Table = {
  'CUDA/Kernel': { 'qwen2.5-coder:32b': 0.15, 'deepseek-r1:32b': 0.6, 'deepseek-coder-v2:16b': 0.8, 'qwen2.5:32b': 0.4 },
  'C++/System': { 'deepseek-coder-v2:16b': 0.2, 'qwen2.5-coder:32b': 0.8, 'deepseek-r1:32b': 0.85 },
};

const fromTable = (table: Table) => (domain: string, model: string) => table[domain]?.[model] ?? 0.3;

export interface Scenario {
  world: World;
  resubmitShare: number;
}

export function scenarios(days: number): Scenario[] {
  const half = days / 2;
  return [
    { world: { name: 'chain order right', chainRight: true, chance: fromTable(RIGHT) }, resubmitShare: 0 },
    { world: { name: 'head poor, later good', chainRight: false, chance: fromTable(HEAD_POOR) }, resubmitShare: 0 },
    {
      world: {
        name: 'drift halfway',
        chainRight: false,
        chance: (d, m, day) => (day < half ? fromTable(RIGHT) : fromTable(HEAD_POOR))(d, m),
        driftDay: half,
        driftDomain: 'CUDA/Kernel',
      },
      resubmitShare: 0,
    },
    { world: { name: 'resubmissions of failed tasks', chainRight: true, chance: fromTable(RIGHT) }, resubmitShare: 0.25 },
  ];
}

export interface PolicyFigures {
  tasks: number;
  recoveredPct: number;
  meanCostSeconds: number;
  meanSecondsToSuccess: number;
  startEqualsOraclePct: number;
  /** days after the drift until the start follows it, worst seed (null: no drift; Infinity: never) */
  driftDays: number | null;
}

/** Days from the drift to the first day from which on every day's tasks of the domain start where the oracle does, at least half of them. */
export function daysToFollow(outcomes: readonly TaskOutcome[], world: World): number | null {
  if (world.driftDay === undefined) return null;
  const byDay = new Map<number, { same: number; all: number }>();
  for (const o of outcomes) {
    if (o.task.domain !== world.driftDomain || o.task.day < world.driftDay) continue;
    const day = Math.floor(o.task.day);
    const d = byDay.get(day) ?? { same: 0, all: 0 };
    d.all += 1;
    d.same += o.startIndex === o.oracleIndex ? 1 : 0;
    byDay.set(day, d);
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  let since: number | null = null;
  for (const day of days) {
    const d = byDay.get(day)!;
    if (d.same * 2 >= d.all) since ??= day;
    else since = null;
  }
  return since === null ? Number.POSITIVE_INFINITY : Math.max(0, since - world.driftDay);
}

export function figures(runs: readonly TaskOutcome[][], world: World): PolicyFigures {
  const all = runs.flat();
  const recovered = all.filter((o) => o.recovered);
  const drift = runs.map((r) => daysToFollow(r, world));
  return {
    tasks: all.length,
    recoveredPct: (100 * recovered.length) / all.length,
    meanCostSeconds: all.reduce((s, o) => s + o.costSeconds, 0) / all.length,
    meanSecondsToSuccess: recovered.reduce((s, o) => s + o.secondsToSuccess!, 0) / Math.max(1, recovered.length),
    startEqualsOraclePct: (100 * all.filter((o) => o.startIndex === o.oracleIndex).length) / all.length,
    driftDays: world.driftDay === undefined ? null : Math.max(...drift.map((d) => d ?? 0)),
  };
}

export const POLICIES: PolicyName[] = ['fixed-chain', 'guide', 'expected-cost', 'oracle'];

export interface ScenarioResult {
  name: string;
  chainRight: boolean;
  policies: Record<PolicyName, PolicyFigures>;
  targets: { name: string; holds: boolean; detail: string }[];
}

export interface BenchOptions {
  seeds: number[];
  days: number;
  perDay: Record<string, number>;
}

export function runScenario(scenario: Scenario, config: KisystemConfig, opts: BenchOptions, policies: readonly PolicyName[] = POLICIES): Record<string, PolicyFigures> {
  const tasksBySeed: SimTask[][] = opts.seeds.map((seed) =>
    makeTasks(seed, { days: opts.days, perDay: opts.perDay, chains: config.routing, resubmitShare: scenario.resubmitShare }),
  );
  const out: Record<string, PolicyFigures> = {};
  for (const policy of policies) out[policy] = figures(tasksBySeed.map((tasks) => simulate(scenario.world, config, tasks, policy)), scenario.world);
  return out;
}

/** The targets "expected-cost" must meet in one scenario. */
export function targets(p: Record<PolicyName, PolicyFigures>, chainRight: boolean): ScenarioResult['targets'] {
  const ec = p['expected-cost'];
  const fixed = p['fixed-chain'];
  const oracle = p.oracle;
  const bound = chainRight ? 1.1 : 1.25;
  const list = [
    { name: 'cost <= fixed chain', holds: ec.meanCostSeconds <= fixed.meanCostSeconds, detail: `${ec.meanCostSeconds.toFixed(1)} s vs ${fixed.meanCostSeconds.toFixed(1)} s` },
    {
      name: `cost <= ${bound.toFixed(2)}x oracle`,
      holds: ec.meanCostSeconds <= bound * oracle.meanCostSeconds,
      detail: `${(ec.meanCostSeconds / oracle.meanCostSeconds).toFixed(3)}x`,
    },
    {
      name: 'recovered >= fixed - 0.5 pt',
      holds: ec.recoveredPct >= fixed.recoveredPct - 0.5,
      detail: `${ec.recoveredPct.toFixed(2)} % vs ${fixed.recoveredPct.toFixed(2)} % (oracle ${oracle.recoveredPct.toFixed(2)} %)`,
    },
    { name: 'start == oracle >= 75 %', holds: ec.startEqualsOraclePct >= 75, detail: `${ec.startEqualsOraclePct.toFixed(1)} %` },
  ];
  if (ec.driftDays !== null) list.push({ name: 'drift followed <= 7 days', holds: ec.driftDays <= 7, detail: `${ec.driftDays} days (worst seed)` });
  return list;
}

export function runBenchmark(config: KisystemConfig, opts: BenchOptions): ScenarioResult[] {
  return scenarios(opts.days).map((scenario) => {
    const policies = runScenario(scenario, config, opts) as Record<PolicyName, PolicyFigures>;
    return { name: scenario.world.name, chainRight: scenario.world.chainRight, policies, targets: targets(policies, scenario.world.chainRight) };
  });
}
