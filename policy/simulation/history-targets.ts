/**
 * The decision benchmark's figures and targets on a team's own history (`kisystem simulate` and
 * `kisystem stats`, "does the learning pay"): the world fitted from the history (bench/fit-world.ts),
 * the configured start rule, the fixed chain and the oracle on the same simulated tasks and luck,
 * each starting from the team's real history. A fitted world knows no task hardness (every task is
 * medium), so its oracle is the domain oracle of the benchmark: what a per-(domain, model) learner
 * can reach. The chain order counts as right when that oracle starts every task at the chain head.
 * Pure: the caller fits the world.
 */
import type { KisystemConfig } from '../schemas/config-schema';
import { figures, targets, type PolicyFigures, type ScenarioResult } from './decision-scenarios';
import { makeTasks, simulate, type PolicyName } from './decision-sim';
import type { FittedWorld } from './fit-world';

export interface HistoryTargets {
  /** the policy the config runs: its start rule, or the fixed chain with the Meta-Supervisor off */
  policy: PolicyName;
  days: number;
  seeds: number[];
  chainRight: boolean;
  rule: PolicyFigures;
  fixedChain: PolicyFigures;
  oracle: PolicyFigures;
  targets: ScenarioResult['targets'];
}

export function historyTargets(fitted: FittedWorld, config: KisystemConfig, seeds: readonly number[], days: number): HistoryTargets {
  const chains = { ...config.routing, '': config.default_route };
  const tasks = seeds.map((seed) => makeTasks(seed, { days, perDay: fitted.perDay, chains, allMedium: true }));
  const policy: PolicyName = config.enable_meta_supervisor ? config.start_rule : 'fixed-chain';
  const run = (p: PolicyName) => tasks.map((t) => simulate(fitted.world, config, t, p, fitted.seedRuns));
  const oracleRuns = run('domain-oracle');
  const oracle = figures(oracleRuns, fitted.world);
  const rule = figures(run(policy), fitted.world);
  const fixedChain = figures(run('fixed-chain'), fitted.world);
  const chainRight = oracleRuns.every((r) => r.every((o) => o.startIndex === 0));
  const byPolicy = { 'fixed-chain': fixedChain, guide: rule, 'expected-cost': rule, 'domain-oracle': oracle, oracle } as Record<PolicyName, PolicyFigures>;
  return { policy, days, seeds: [...seeds], chainRight, rule, fixedChain, oracle, targets: targets(byPolicy, chainRight) };
}

/** The figures as lines for people (the same in `simulate` and `stats`). */
export function historyTargetLines(h: HistoryTargets): string[] {
  const line = (name: string, f: PolicyFigures) => `  ${name.padEnd(26)} ${f.recoveredPct.toFixed(2).padStart(7)} % recovered ${f.meanCostSeconds.toFixed(0).padStart(7)} s/task ${(f.meanCostSeconds / h.oracle.meanCostSeconds).toFixed(3)}x oracle`;
  return [
    `simulated on this history (${h.seeds.length} seeds x ${h.days} days; chain order ${h.chainRight ? 'right: the oracle starts every task at the chain head' : 'not right: the oracle starts past the head'}):`,
    line(`${h.policy} (this config)`, h.rule),
    line('fixed chain', h.fixedChain),
    line('oracle (per domain, model)', h.oracle),
    ...h.targets.map((t) => `  target ${t.holds ? 'MET   ' : 'MISSED'} ${t.name}: ${t.detail}`),
  ];
}
