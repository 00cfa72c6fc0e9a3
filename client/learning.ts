/** Meta-Supervisor commands (priorities, bias, explain, stats) and learning-history import/export. */
import type { Kysely } from 'kysely';
import { exportLearningFile, importLearningFile } from '../db/learning-io';
import { domainAggregates, escalationStats, modelAggregates } from '../db/meta-repository';
import { domainPeriods, startMoves } from '../db/learning-pays';
import type { Database } from '../db/tables';
import { queueStats } from '../db/queue-repository';
import { profileStats } from '../db/profiles-repository';
import { verdictCounts } from '../db/verdict-stats';
import type { KisystemConfig } from '../policy/schemas/config-schema';
import { explainPriority, nextPriorities, recommendModelBias } from '../policy/rules/meta-supervisor';
import { num, pct, table } from './format-table';
import { historyFromDatabase, simulatedDays, simulationSeeds } from './simulate';
import { fitWorld, modelPhaseRuns } from '../policy/simulation/fit-world';
import { historyTargetLines, historyTargets, type HistoryTargets } from '../policy/simulation/history-targets';

type Out = (line: string) => void;

export async function showPriorities(db: Kysely<Database>, config: KisystemConfig, top: number | undefined, json: boolean, out: Out): Promise<void> {
  const now = new Date();
  const aggs = await domainAggregates(db);
  const ranked = nextPriorities(aggs, now, config, top);
  if (json) return out(JSON.stringify(ranked.map(([domain, score]) => ({ domain, priority: score }))));
  if (ranked.length === 0) return out('no runs in the learning history yet');
  const explained = new Map(aggs.map((a) => [a.domain, explainPriority(a, now, config)]));
  out(table(['domain', 'priority', 'success rate', 'avg time (s)', 'runs', 'R'], ranked.map(([d, p]) => {
    const e = explained.get(d)!;
    return [d, num(p), pct(e.success_rate), e.avg_time.toFixed(1), e.run_count, `${e.recency.R >= 0 ? '+' : ''}${e.recency.R} (${e.recency.reason})`];
  })));
}

export async function showBias(db: Kysely<Database>, config: KisystemConfig, json: boolean, out: Out): Promise<void> {
  const models = await modelAggregates(db, new Date(), config.meta_supervisor.aging_days);
  const bias = recommendModelBias(models, config.routing, config.meta_supervisor);
  if (json) return out(JSON.stringify(bias));
  const rows = Object.values(bias).map((b) => [b.domain, b.model, num(b.weightedSuccessRate), b.runs]);
  if (rows.length === 0) {
    return out(`no model qualifies yet (needs a weighted success rate >= ${config.meta_supervisor.bias_min_success_rate} and >= ${config.meta_supervisor.bias_min_runs} runs in a domain)`);
  }
  out(table(['domain', 'bias model', 'weighted success rate', 'runs'], rows));
}

export async function showExplain(db: Kysely<Database>, config: KisystemConfig, domain: string, json: boolean, out: Out): Promise<boolean> {
  const agg = (await domainAggregates(db)).find((a) => a.domain === domain);
  if (!agg) {
    out(`no runs of domain "${domain}" in the learning history`);
    return false;
  }
  const e = explainPriority(agg, new Date(), config);
  if (json) {
    out(JSON.stringify(e));
    return true;
  }
  const w = config.meta_supervisor_weights;
  out(`${domain}: priority ${num(e.priority_score, 5)}`);
  out(table(['factor', 'weight', 'input', 'contribution'], [
    ['failure (1 - sr)', w.failure_weight, `sr = ${num(e.success_rate)}`, num(e.factors.failure_contribution, 5)],
    ['time 1/(1 + t)', w.time_weight, `t = ${e.avg_time.toFixed(1)} s`, num(e.factors.time_contribution, 5)],
    ['count min(1, c/20)', w.count_weight, `c = ${e.run_count}`, num(e.factors.count_contribution, 5)],
    ['recency R', w.recency_weight, `R = ${e.recency.R} (${e.recency.reason})`, num(e.factors.recency_boost, 5)],
  ]));
  return true;
}

/** "Does the learning pay", simulated on the history as `kisystem simulate` does (5 seeds); null without model-phase runs. */
async function simulatedPays(db: Kysely<Database>, config: KisystemConfig): Promise<HistoryTargets | null> {
  const runs = await historyFromDatabase(db);
  if (modelPhaseRuns(runs).length === 0) return null;
  const fitted = fitWorld(runs, config, new Date());
  return historyTargets(fitted, config, simulationSeeds(5), simulatedDays(fitted, undefined));
}

export async function showStats(db: Kysely<Database>, config: KisystemConfig, json: boolean, out: Out): Promise<void> {
  const [domains, models, escalations, periods, moves, queues, profiling, verdicts] = await Promise.all([
    domainAggregates(db),
    modelAggregates(db, new Date(), config.meta_supervisor.aging_days),
    escalationStats(db),
    domainPeriods(db),
    startMoves(db),
    queueStats(db),
    profileStats(db),
    verdictCounts(db),
  ]);
  const simulated = await simulatedPays(db, config);
  const stats = {
    domains: domains.map((d) => ({ domain: d.domain, runs: d.runs, success_rate: d.runs ? d.successes / d.runs : 0, avg_time_s: d.meanDurationSeconds })),
    models: models.map((m) => ({ domain: m.domain, model: m.model, runs: m.runs, success_rate: m.runs ? m.successes / m.runs : 0, weighted_success_rate: m.weightSum ? m.weightedSuccesses / m.weightSum : 0 })),
    escalations: escalations.map((e) => ({ domain: e.domain, escalations: e.escalations, stoploss_triggers: e.stoplossTriggers })),
    verdicts: verdicts.map((v) => ({ domain: v.domain, model: v.model, checker: v.checker, self_reported: v.selfReported, left_out_of_learning: v.leftOut, unknown: v.unknown })),
    simulated_on_history: simulated,
    learning_pays: periods.map((p) => ({ domain: p.domain, period: p.period, tasks: p.tasks, mean_machine_s: p.meanMachineSeconds, recovered_rate: p.recovered })),
    start_moves: moves.map((m) => ({
      start_rule: m.startRule, starts: m.starts, moved: m.moved, moved_solved: m.movedSolved, moved_solved_rate: m.moved ? m.movedSolved / m.moved : null,
      at_head: m.atHead, head_solved: m.headSolved, head_solved_rate: m.atHead ? m.headSolved / m.atHead : null,
    })),
    queues: queues.map((q) => ({ queue: q.queue, tasks: q.tasks, finished: q.finished, avg_wait_s: q.avgWaitSeconds, throughput_per_hour: q.throughputPerHour, eta_median_relative_error: q.etaMedianRelativeError })),
    profiling: {
      tier0: profiling.tier0, tier1: profiling.tier1, tier0_per_tier1: profiling.tier0PerTier1, profiling_s: profiling.profilingMs / 1000,
      all_full_s: profiling.allFullMs / 1000, saved_s: profiling.savedMs / 1000, saved_pct: profiling.savedPct, regressions_caught: profiling.regressionsCaught, falls_at_tier0: profiling.fallsAtTier0,
    },
  };
  if (json) return out(JSON.stringify(stats));
  out('Per domain');
  out(table(['domain', 'runs', 'success rate', 'avg time (s)'], stats.domains.map((d) => [d.domain, d.runs, pct(d.success_rate), d.avg_time_s.toFixed(1)])));
  out('\nPer domain and model');
  out(table(['domain', 'model', 'runs', 'success rate', 'weighted (aged)'], stats.models.map((m) => [m.domain, m.model, m.runs, pct(m.success_rate), pct(m.weighted_success_rate)])));
  if (stats.verdicts.some((v) => v.self_reported > 0 || v.unknown > 0)) {
    out('\nVerdict sources of the model runs (checker: judged by the task\'s trusted checker; self-reported: the answer\'s own line, which it can forge; left out: not counted above)');
    out(table(['domain', 'model', 'checker', 'self-reported', 'left out', 'unknown (older runs)'], stats.verdicts.map((v) => [v.domain, v.model, v.checker, v.self_reported, v.left_out_of_learning, v.unknown])));
  }
  out('\nEscalations');
  out(table(['domain', 'escalations', 'stop-loss triggers'], stats.escalations.map((e) => [e.domain, e.escalations, e.stoploss_triggers])));
  if (stats.learning_pays.length > 0) {
    out('\nDoes the learning pay? (per task: machine time of its model runs; recovered = a model solved it)');
    out(table(['domain', 'period', 'tasks', 'mean machine s/task', 'recovered'], stats.learning_pays.map((p) => [p.domain, p.period, p.tasks, p.mean_machine_s.toFixed(0), pct(p.recovered_rate)])));
  }
  if (stats.simulated_on_history) for (const line of ['', ...historyTargetLines(stats.simulated_on_history)]) out(line);
  if (stats.start_moves.length > 0) {
    out('\nStart decisions: how often the start rule moved the start past the chain head, and whether that start then solved the task');
    out(table(['start rule', 'starts', 'moved', 'moved start solved', 'at head', 'head solved'], stats.start_moves.map((m) => [
      m.start_rule, m.starts, m.moved, m.moved_solved_rate === null ? '-' : `${m.moved_solved} (${pct(m.moved_solved_rate)})`, m.at_head, m.head_solved_rate === null ? '-' : `${m.head_solved} (${pct(m.head_solved_rate)})`,
    ])));
  }
  if (stats.queues.length > 0) {
    const opt = (x: number | null, f: (v: number) => string) => (x === null ? '-' : f(x));
    out('\nQueues (cost-aware)');
    out(table(['queue', 'tasks', 'finished', 'avg wait (s)', 'throughput (tasks/h)', 'ETA error (median |real-ETA|/ETA)'], stats.queues.map((q) => [
      q.queue, q.tasks, q.finished, opt(q.avg_wait_s, (v) => v.toFixed(1)), opt(q.throughput_per_hour, (v) => v.toFixed(1)), opt(q.eta_median_relative_error, pct),
    ])));
  }
  const p = stats.profiling;
  if (p.tier0 + p.tier1 > 0) {
    out('\nTwo-tier profiling (measured)');
    out(table(['tier 0', 'tier 1', 'tier 0 / tier 1', 'profiling (s)', 'all full (s)', 'saved', 'regressions caught', 'falls at tier 0'], [[
      p.tier0, p.tier1, p.tier0_per_tier1 === null ? '-' : p.tier0_per_tier1.toFixed(2), p.profiling_s.toFixed(1), p.all_full_s.toFixed(1),
      p.saved_pct === null ? '-' : `${p.saved_s.toFixed(1)} s (${p.saved_pct.toFixed(1)} %)`, p.regressions_caught, p.falls_at_tier0,
    ]]));
  }
}

export async function learningImport(db: Kysely<Database>, path: string, out: Out): Promise<boolean> {
  const report = await importLearningFile(db, path);
  for (const error of report.errors) out(`skipped ${error}`);
  out(`${path}: ${report.lines} line(s): ${report.imported} imported, ${report.duplicates} already in the history, ${report.errors.length} refused`);
  return report.errors.length === 0;
}

export async function learningExport(db: Kysely<Database>, path: string | undefined, domain: string | undefined, out: Out): Promise<void> {
  const count = await exportLearningFile(db, path ?? process.stdout, domain);
  if (path) out(`${path}: ${count} run(s) exported`);
}
