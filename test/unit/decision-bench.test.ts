/**
 * The decision benchmark (bench/decision-scenarios.ts) at its full size but with 5 seeds of its own:
 * the fixed chain, "guide", "expected-cost", the domain oracle and the oracle on the same simulated
 * tasks and luck, in every world. Asserts every target for "expected-cost" (docs/benchmarks.md
 * "Start decisions, second step").
 */
import { defaultConfig } from '../../policy/schemas/config-schema';
import { runBenchmark, scenarios, type ScenarioResult } from '../../policy/simulation/decision-scenarios';
import { makeTasks, simulate } from '../../policy/simulation/decision-sim';

const OPTIONS = { seeds: [1000, 1001, 1002, 1003, 1004], days: 60, perDay: { 'CUDA/Kernel': 6, 'C++/System': 3 } };

describe('decision benchmark', () => {
  const results = runBenchmark(defaultConfig(), OPTIONS);
  const byName = Object.fromEntries(results.map((r) => [r.name, r])) as Record<string, ScenarioResult>;

  it('has the old worlds and the new ones', () => {
    expect(Object.keys(byName)).toEqual([
      'chain order right', 'head poor, later good', 'drift halfway', 'resubmissions of failed tasks',
      'head poor, later good at 0.6', 'drift in one domain', 'hardness hurts small models more', 'noisy complexity signal',
    ]);
  });

  it.each(results.map((r) => [r.name, r] as const))('%s: every target met', (_name, r) => {
    expect(r.targets.length).toBeGreaterThanOrEqual(3);
    for (const t of r.targets) expect(t).toMatchObject({ holds: true });
    expect(r.policies['expected-cost'].meanCostSeconds).toBeLessThanOrEqual(r.policies['fixed-chain'].meanCostSeconds * 1.005);
  });

  it('follows a drift within 14 days on the worst seed, in both drift worlds', () => {
    expect(byName['drift halfway']!.policies['expected-cost'].driftDays).toBeLessThanOrEqual(14);
    expect(byName['drift in one domain']!.policies['expected-cost'].driftDays).toBeLessThanOrEqual(14);
  });
});

describe('the simulator', () => {
  it('gives every policy the same tasks and luck: equal inputs, equal outcomes, and a start at the head costs what it costs the fixed chain', () => {
    const config = defaultConfig();
    const [right] = scenarios(10);
    const tasks = makeTasks(7, { days: 10, perDay: { 'CUDA/Kernel': 3, 'C++/System': 1 }, chains: config.routing });
    expect(makeTasks(7, { days: 10, perDay: { 'CUDA/Kernel': 3, 'C++/System': 1 }, chains: config.routing })).toEqual(tasks);
    for (const policy of ['fixed-chain', 'guide', 'expected-cost', 'domain-oracle', 'oracle'] as const) {
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
