/**
 * `kisystem simulate`: what a config change would do, before a team makes it. Fits a
 * world from the learning history (Postgres, or `--history file.jsonl` from `kisystem learning
 * export`), then runs the decision benchmark's simulator on it for the current config and for
 * alternatives (`--stoploss 1,2,3`, `--start-rule guide`, `--min-runs`, `--min-rate`,
 * `--fallback`), the same tasks and luck for each, and prints the expected recovered % and machine
 * time per task. Each simulated policy starts from the team's real history (what it has learned
 * by now) and keeps learning from the simulated runs.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { databaseUrl, prepareDatabase } from '../db/database';
import type { Database } from '../db/tables';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { parseLearningLine } from '../policy/schemas/learning-line';
import { makeTasks, simulate, type PolicyName, type TaskOutcome } from '../policy/simulation/decision-sim';
import { fitWorld, type FittedWorld, type HistoryRun } from '../policy/simulation/fit-world';
import { historyTargetLines, historyTargets } from '../policy/simulation/history-targets';
import { table } from './format-table';

type Out = (line: string) => void;

export interface SimulateOptions {
  history?: string;
  stoploss?: string;
  startRule?: string;
  minRuns?: string;
  minRate?: string;
  fallback?: string;
  seeds: number;
  days?: string;
  json: boolean;
}

/** Runs of the last 180 days from Postgres. */
export async function historyFromDatabase(db: Kysely<Database>): Promise<HistoryRun[]> {
  const rows = await sql<HistoryRun & { finished_at: Date }>`
    select workflow_run_id, attempt_no, domain, model, source, outcome, duration_ms, finished_at
    from runs where finished_at > now() - interval '180 days' order by id`.execute(db);
  return rows.rows.map((r) => ({ ...r, finished_at: new Date(r.finished_at).toISOString() }));
}

/** Runs from a `learning export` file; a bad line is an error naming the line. */
export async function historyFromFile(path: string): Promise<HistoryRun[]> {
  const runs: HistoryRun[] = [];
  let lineNo = 0;
  for await (const text of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
    lineNo++;
    if (text.trim() === '') continue;
    const parsed = parseLearningLine(text, lineNo, path);
    if (!parsed.ok) throw new Error(parsed.error);
    const r = parsed.run;
    runs.push({ workflow_run_id: r.workflow_run_id, attempt_no: r.attempt_no, domain: r.domain, model: r.model, source: r.source, outcome: r.outcome, duration_ms: r.duration_ms, finished_at: r.finished_at });
  }
  return runs;
}

function list(text: string | undefined, what: string, check: (n: number) => boolean): number[] {
  if (text === undefined) return [];
  return text.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isFinite(n) || !check(n)) throw new Error(`${what}: "${part}" is not a valid value`);
    return n;
  });
}

interface Variant {
  name: string;
  config: KisystemConfig;
}

export function variants(config: KisystemConfig, o: SimulateOptions): Variant[] {
  const out: Variant[] = [{ name: 'current config', config }];
  for (const s of list(o.stoploss, '--stoploss', (n) => Number.isInteger(n) && n >= 1 && n <= 5)) out.push({ name: `stoploss ${s}`, config: { ...config, stoploss_per_model: s } });
  if (o.startRule !== undefined) {
    if (o.startRule !== 'guide' && o.startRule !== 'expected-cost') throw new Error(`--start-rule: "${o.startRule}" is neither "guide" nor "expected-cost"`);
    out.push({ name: `start rule ${o.startRule}`, config: { ...config, start_rule: o.startRule } });
  }
  for (const n of list(o.minRuns, '--min-runs', (x) => Number.isInteger(x) && x >= 1)) out.push({ name: `min runs ${n}`, config: { ...config, meta_supervisor: { ...config.meta_supervisor, bias_min_runs: n } } });
  for (const x of list(o.minRate, '--min-rate', (v) => v >= 0 && v <= 1)) out.push({ name: `min rate ${x}`, config: { ...config, meta_supervisor: { ...config.meta_supervisor, bias_min_success_rate: x } } });
  for (const f of list(o.fallback, '--fallback', (v) => v >= 0)) out.push({ name: `fallback ${f} s`, config: { ...config, fallback_cost_seconds: f } });
  return out;
}

export interface VariantFigures {
  variant: string;
  start_rule: string;
  stoploss: number;
  recovered_pct: number;
  machine_s_per_task: number;
  s_to_success: number;
  fixed_chain_s_per_task: number;
}

function summarize(outcomes: TaskOutcome[]): { recovered: number; cost: number; toSuccess: number } {
  const ok = outcomes.filter((o) => o.recovered);
  return {
    recovered: (100 * ok.length) / outcomes.length,
    cost: outcomes.reduce((s, o) => s + o.costSeconds, 0) / outcomes.length,
    toSuccess: ok.reduce((s, o) => s + o.secondsToSuccess!, 0) / Math.max(1, ok.length),
  };
}

/** Simulated days: `--days`, else the history's span within 7..60. */
export function simulatedDays(fitted: FittedWorld, days: string | undefined): number {
  const n = days === undefined ? Math.min(60, Math.max(7, Math.round(fitted.spanDays))) : Number(days);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--days: "${days}" is not a whole number of days >= 1`);
  return n;
}

/** The simulation's seeds (the same in `simulate` and `stats`). */
export const simulationSeeds = (count: number): number[] => Array.from({ length: count }, (_, i) => 2000 + i);

/** Every variant on the same fitted tasks and luck. */
export function simulateVariants(fitted: FittedWorld, config: KisystemConfig, o: SimulateOptions): VariantFigures[] {
  const days = simulatedDays(fitted, o.days);
  const seeds = simulationSeeds(o.seeds);
  const chains = { ...config.routing, '': config.default_route };
  const tasks = seeds.map((seed) => makeTasks(seed, { days, perDay: fitted.perDay, chains, allMedium: true }));
  return variants(config, o).map((v) => {
    const policy: PolicyName = v.config.enable_meta_supervisor ? v.config.start_rule : 'fixed-chain';
    const ours = summarize(tasks.flatMap((t) => simulate(fitted.world, v.config, t, policy, fitted.seedRuns)));
    const fixed = summarize(tasks.flatMap((t) => simulate(fitted.world, v.config, t, 'fixed-chain', fitted.seedRuns)));
    return {
      variant: v.name,
      start_rule: policy,
      stoploss: v.config.stoploss_per_model,
      recovered_pct: ours.recovered,
      machine_s_per_task: ours.cost,
      s_to_success: ours.toSuccess,
      fixed_chain_s_per_task: fixed.cost,
    };
  });
}

export async function runSimulate(db: (() => Promise<Kysely<Database>>) | null, config: KisystemConfig, o: SimulateOptions, out: Out): Promise<number> {
  const runs = o.history ? await historyFromFile(o.history) : await historyFromDatabase(await db!());
  const fitted = fitWorld(runs, config, new Date());
  const rows = simulateVariants(fitted, config, o);
  const pays = historyTargets(fitted, config, simulationSeeds(o.seeds), simulatedDays(fitted, o.days));
  if (o.json) {
    out(JSON.stringify({ fitted: { span_days: fitted.spanDays, per_day: fitted.perDay, model_phase_runs: fitted.modelPhaseRuns, models: fitted.models }, variants: rows, targets: pays }));
    return 0;
  }
  out(`world fitted from ${fitted.modelPhaseRuns} model-phase runs over ${fitted.spanDays.toFixed(1)} days (${o.history ?? 'learning history'})`);
  out(table(['domain', 'model', 'runs', 'chance/run', 'run time (s)'], fitted.models.map((m) => [m.domain, m.model, m.runs, m.chance.toFixed(2), `${m.medianSeconds.toFixed(0)} (${m.timeSource.split(':')[0]})`])));
  out('');
  out(table(['variant', 'start rule', 'stop-loss', 'recovered %', 'machine s/task', 's to success', 'fixed chain s/task'], rows.map((r) => [
    r.variant, r.start_rule, r.stoploss, r.recovered_pct.toFixed(2), r.machine_s_per_task.toFixed(0), r.s_to_success.toFixed(0), r.fixed_chain_s_per_task.toFixed(0),
  ])));
  out(`(${o.seeds} seeds of simulated tasks at the history's rate; a task that reaches the manual fallback costs fallback_cost_seconds)`);
  out('');
  for (const line of historyTargetLines(pays)) out(line);
  return 0;
}

/** `kisystem simulate [--history file.jsonl] [--stoploss 1,2,3] [--start-rule guide] [--min-runs N] [--min-rate X] [--fallback S] [--seeds N] [--days N] [--json]` */
export async function simulateCommand(args: string[], config: KisystemConfig, out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      history: { type: 'string' }, stoploss: { type: 'string' }, 'start-rule': { type: 'string' }, 'min-runs': { type: 'string' },
      'min-rate': { type: 'string' }, fallback: { type: 'string' }, seeds: { type: 'string', default: '5' }, days: { type: 'string' }, json: { type: 'boolean', default: false },
    },
  });
  const seeds = Number(values.seeds);
  if (!Number.isInteger(seeds) || seeds < 1 || seeds > 100) throw new Error(`--seeds: "${values.seeds}" is not a whole number from 1 to 100`);
  const options: SimulateOptions = {
    history: values.history, stoploss: values.stoploss, startRule: values['start-rule'], minRuns: values['min-runs'], minRate: values['min-rate'],
    fallback: values.fallback, seeds, days: values.days, json: values.json,
  };
  let db: Kysely<Database> | null = null;
  try {
    return await runSimulate(async () => (db = await prepareDatabase(databaseUrl())), config, options, out);
  } finally {
    await (db as Kysely<Database> | null)?.destroy();
  }
}
