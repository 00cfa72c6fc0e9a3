/**
 * Decision benchmark: the fixed chain (Phase 6), the "guide" start rule, the "expected-cost"
 * start rule, a domain oracle and an oracle that knows the hidden chances, on the same tasks and the
 * same luck (common random numbers, several seeds), in eight simulated worlds. Pure and fast: no
 * Temporal, no database; the start rules are the workflow's own decideTaskStart.
 *
 *   npm run build && node dist/scripts/bench-decisions.js [--seeds 5] [--first-seed 1000] [--days 60] [--cuda 6] [--cpp 3] [--config over.json] [--json]
 *
 * `--config` takes a JSON object of config fields over the defaults (e.g. '{"fallback_cost_seconds": 20000}'),
 * a file path or the JSON itself.
 *
 * Prints per scenario and policy: recovered %, mean machine time per task (a task that reaches the
 * manual fallback is costed fallback_cost_seconds on top), time to success, start == oracle %, days
 * to follow the drift; then whether each target for "expected-cost" holds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseConfig } from '../policy/schemas/config-schema';
import { POLICIES, runBenchmark } from '../policy/simulation/decision-scenarios';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    'first-seed': { type: 'string', default: '1000' },
    days: { type: 'string', default: '60' },
    cuda: { type: 'string', default: '6' },
    cpp: { type: 'string', default: '3' },
    config: { type: 'string', default: '{}' },
    json: { type: 'boolean', default: false },
  },
});
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => Number(values['first-seed']) + i);
const configText = existsSync(values.config) ? readFileSync(values.config, 'utf8') : values.config;
const config = parseConfig('--config', JSON.parse(configText));
const started = process.hrtime.bigint();
const results = runBenchmark(config, { seeds, days: Number(values.days), perDay: { 'CUDA/Kernel': Number(values.cuda), 'C++/System': Number(values.cpp) } });
const ms = Number(process.hrtime.bigint() - started) / 1e6;

if (values.json) {
  process.stdout.write(`${JSON.stringify({ seeds, days: Number(values.days), results, ms }, null, 2)}\n`);
} else {
  const pad = (s: string, n: number) => s.padEnd(n);
  const num = (s: string, n: number) => s.padStart(n);
  console.log(`decision benchmark: ${seeds.length} seeds (${seeds[0]}..${seeds[seeds.length - 1]}), ${values.days} days, ${values.cuda} CUDA + ${values.cpp} C++ tasks a day, stop-loss ${config.stoploss_per_model}, fallback ${config.fallback_cost_seconds} s`);
  for (const r of results) {
    console.log(`\n## ${r.name}${r.chainRight ? ' (chain order right)' : ''}`);
    console.log(`${pad('policy', 15)}${num('recovered %', 12)}${num('mean s/task', 13)}${num('s to success', 14)}${num('start=oracle', 14)}${num('drift days', 12)}`);
    for (const p of POLICIES) {
      const f = r.policies[p];
      const drift = f.driftDays === null ? '-' : Number.isFinite(f.driftDays) ? String(f.driftDays) : 'never';
      console.log(`${pad(p, 15)}${num(f.recoveredPct.toFixed(2), 12)}${num(f.meanCostSeconds.toFixed(1), 13)}${num(f.meanSecondsToSuccess.toFixed(0), 14)}${num(`${f.startEqualsOraclePct.toFixed(1)} %`, 14)}${num(drift, 12)}`);
    }
    for (const t of r.targets) console.log(`  target ${t.holds ? 'MET   ' : 'MISSED'} ${t.name}: ${t.detail}`);
  }
  const missed = results.flatMap((r) => r.targets.filter((t) => !t.holds).map((t) => `${r.name}: ${t.name}`));
  console.log(`\n${missed.length === 0 ? 'every target met' : `targets missed: ${missed.join('; ')}`} (${(ms / 1000).toFixed(1)} s)`);
}
