/**
 * The decision benchmark's small configuration: the fixed chain, "guide",
 * "expected-cost" and the oracle on the same simulated tasks and luck. Asserts the targets
 * for "expected-cost" where they hold, and, where one is missed, the figure that says why
 * (docs/benchmarks.md "Start decisions"): the oracle itself misses the recovery target in the
 * head-poor world (skipping a poor head costs backups at fallback_cost_seconds 3600), and the
 * cost and drift targets are held back by the guide's evidence gate (met with the gate off).
 */
import { defaultConfig, parseConfig } from '../../policy/schemas/config-schema';
import { runBenchmark, runScenario, scenarios, targets, type PolicyFigures, type ScenarioResult } from '../../bench/decision-scenarios';
import { makeTasks, simulate, type PolicyName } from '../../policy/simulation/decision-sim';

const SMALL = { seeds: [1000, 1001], days: 60, perDay: { 'CUDA/Kernel': 5, 'C++/System': 2 } };
const target = (r: ScenarioResult, prefix: string) => r.targets.find((t) => t.name.startsWith(prefix))!;

describe('decision benchmark, small configuration', () => {
  const results = runBenchmark(defaultConfig(), SMALL);
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));

  // In the head-poor world the guide's cold hybrid jump (a simple CUDA task maps to deepseek-coder-v2:16b,
  // the third model) happens to land on the good model at once; expected-cost first has to earn the evidence.
  it.each(['chain order right', 'drift halfway', 'resubmissions of failed tasks'])('%s: expected-cost spends less machine time than the guide rule', (name) => {
    const r = byName[name]!;
    expect(r.policies['expected-cost'].meanCostSeconds).toBeLessThan(r.policies.guide.meanCostSeconds);
  });

  it.each(['chain order right', 'resubmissions of failed tasks'])('%s: within 1.10x of the oracle, recovers as the fixed chain, starts where the oracle does >= 75 %', (name) => {
    const r = byName[name]!;
    for (const prefix of ['cost <= 1.10x', 'recovered', 'start == oracle']) expect(target(r, prefix)).toMatchObject({ holds: true });
    // never above the fixed chain, but for the cold-start tier moves the start rule is meant to make (a few tasks per seed)
    expect(r.policies['expected-cost'].meanCostSeconds).toBeLessThanOrEqual(r.policies['fixed-chain'].meanCostSeconds * 1.005);
  });

  it.each(['head poor, later good', 'drift halfway'])('%s: far cheaper than the fixed chain', (name) => {
    expect(target(byName[name]!, 'cost <= fixed')).toMatchObject({ holds: true });
  });

  it('head poor: the recovery target is one the oracle itself misses (skipping the poor head loses backups)', () => {
    const r = byName['head poor, later good']!;
    expect(r.policies.oracle.recoveredPct).toBeLessThan(r.policies['fixed-chain'].recoveredPct - 0.5);
    expect(r.policies['expected-cost'].recoveredPct).toBeGreaterThanOrEqual(r.policies.oracle.recoveredPct - 0.5);
  });

  it('the evidence gate is what holds back the cost and drift targets: without it both are met', () => {
    const noGate = parseConfig('test', { meta_supervisor: { bias_min_runs: 1, bias_min_success_rate: 0 } });
    const [, headPoor, drift] = scenarios(SMALL.days);
    const open = (scenario: typeof headPoor) => {
      const figures = runScenario(scenario!, noGate, SMALL, ['fixed-chain', 'expected-cost', 'oracle']) as Record<PolicyName, PolicyFigures>;
      return { name: scenario!.world.name, chainRight: false, policies: figures, targets: targets(figures, false) };
    };
    expect(target(open(headPoor), 'cost <= 1.25x')).toMatchObject({ holds: true });
    expect(target(open(drift), 'drift followed')).toMatchObject({ holds: true });
  });
});

describe('the simulator', () => {
  it('gives every policy the same tasks and luck: equal inputs, equal outcomes, and a start at the head costs what it costs the fixed chain', () => {
    const config = defaultConfig();
    const [right] = scenarios(10);
    const tasks = makeTasks(7, { days: 10, perDay: { 'CUDA/Kernel': 3, 'C++/System': 1 }, chains: config.routing });
    expect(makeTasks(7, { days: 10, perDay: { 'CUDA/Kernel': 3, 'C++/System': 1 }, chains: config.routing })).toEqual(tasks);
    for (const policy of ['fixed-chain', 'guide', 'expected-cost', 'oracle'] as const) {
      expect(simulate(right!.world, config, tasks, policy)).toEqual(simulate(right!.world, config, tasks, policy));
    }
    const fixed = simulate(right!.world, config, tasks, 'fixed-chain');
    expect(fixed.every((o) => o.startIndex === 0)).toBe(true);
    // A task solved at the head costs the same under every policy that starts there (common random numbers).
    const ec = simulate(right!.world, config, tasks, 'expected-cost');
    ec.forEach((o, i) => {
      if (o.startIndex === 0) expect(o.costSeconds).toBe(fixed[i]!.costSeconds);
    });
  });
});
