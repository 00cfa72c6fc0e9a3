/**
 * The learning report (`kisystem stats --html`) as one HTML page: per domain each model's aged
 * success rate and run time over time, start decisions per week, whether the learning pays (the
 * last 30 days against the 30 before, and how the moved starts fared), and the queues' throughput.
 */
import type { Kysely } from 'kysely';
import { domainPeriods, startMoves, type DomainPeriodFigures, type StartMoves } from '../../db/learning-pays';
import { queueStats, type QueueStats } from '../../db/queue-repository';
import { dailyModelRuns, queueFinishedPerHour, startDecisionsPerWeek, type HourlyFinished, type WeeklyStarts } from '../../db/report-repository';
import type { Database } from '../../db/tables';
import { chart, html, htmlPage, htmlTable, type ChartSeries } from './html-page';
import { domainSeries, type DomainSeries } from './learning-series';

export interface LearningReportData {
  agingDays: number;
  domains: DomainSeries[];
  starts: WeeklyStarts[];
  pays: DomainPeriodFigures[];
  moves: StartMoves[];
  queues: QueueStats[];
  throughput: HourlyFinished[];
  generatedAt: string;
}

export async function loadLearningReport(db: Kysely<Database>, agingDays: number, now = new Date()): Promise<LearningReportData> {
  const [days, starts, pays, moves, queues, throughput] = await Promise.all([
    dailyModelRuns(db), startDecisionsPerWeek(db), domainPeriods(db, now), startMoves(db), queueStats(db), queueFinishedPerHour(db),
  ]);
  return { agingDays, domains: domainSeries(days, agingDays, now.getTime()), starts, pays, moves, queues, throughput, generatedAt: now.toISOString() };
}

const COLORS = ['#0969da', '#cf222e', '#1a7f37', '#8250df', '#bf8700', '#57606a', '#e16f24', '#1b7c83'];
const color = (i: number) => COLORS[i % COLORS.length]!;
const pct = (x: number | null) => (x === null ? '-' : `${(x * 100).toFixed(1)} %`);

/** Series keyed by a name over shared x values (missing points null). */
function seriesOver<T>(rows: readonly T[], x: readonly number[], key: (r: T) => string, at: (r: T) => number, value: (r: T) => number, label: (k: string) => string): ChartSeries[] {
  const keys = [...new Set(rows.map(key))].sort();
  return keys.map((k, i) => ({ label: label(k), color: color(i), values: x.map((t) => rows.find((r) => key(r) === k && at(r) === t)).map((r) => (r ? value(r) : null)) }));
}

function domainCharts(d: DomainSeries, agingDays: number, index: number): string {
  return [
    `<h3>${html(d.domain)}</h3>`,
    chart({
      id: `domain-${index}-rate`, title: `${d.domain}: aged success rate per model (a day's runs weigh exp(-age / ${agingDays} days))`, xLabel: 'week', yLabel: 'success rate', x: d.x, time: true,
      series: d.models.map((m, i) => ({ label: m.model, color: color(i), values: m.agedRate })),
    }),
    chart({
      id: `domain-${index}-time`, title: `${d.domain}: mean run time per model and week`, xLabel: 'week', yLabel: 'seconds', x: d.x, time: true,
      series: d.models.map((m, i) => ({ label: m.model, color: color(i), values: m.meanSeconds })),
    }),
  ].join('\n');
}

export function renderLearningReport(d: LearningReportData): string {
  const weeks = [...new Set(d.starts.map((s) => s.week))].sort((a, b) => a - b);
  const hours = [...new Set(d.throughput.map((t) => t.hour))].sort((a, b) => a - b);
  const parts = [
    '<h1>kisystem: what the learning history says</h1>',
    `<p class="meta">report made ${html(d.generatedAt)} from the learning history (PostgreSQL)</p>`,
    '<h2>Models per domain over time</h2>',
    d.domains.length ? d.domains.map((s, i) => domainCharts(s, d.agingDays, i)).join('\n') : '<p class="none">no model runs yet</p>',
    '<h2>Start decisions per week</h2>',
    weeks.length
      ? chart({
          id: 'starts-per-week', title: 'Task starts per week, and those the start rule moved past the chain head', xLabel: 'week', yLabel: 'starts', x: weeks.map((w) => w / 1000), time: true,
          series: [
            ...seriesOver(d.starts, weeks, (s) => s.startRule, (s) => s.week, (s) => s.starts, (k) => `${k}: starts`),
            ...seriesOver(d.starts, weeks, (s) => s.startRule, (s) => s.week, (s) => s.moved, (k) => `${k}: moved`).map((s, i) => ({ ...s, color: color(i + 4), dashed: true })),
          ],
        })
      : '<p class="none">no start decisions yet</p>',
    '<h2>Does the learning pay?</h2>',
    '<p>Per domain, tasks of the last 30 days against the 30 days before: the mean machine time of their model runs, and the share a model solved.</p>',
    htmlTable(['domain', 'period', 'tasks', 'mean machine s/task', 'recovered'], d.pays.map((p) => [p.domain, p.period, p.tasks, p.meanMachineSeconds.toFixed(0), pct(p.recovered)]), 'pays'),
    '<p>How often the start rule moved the start past the chain head, and whether that start then solved the task.</p>',
    htmlTable(
      ['start rule', 'starts', 'moved', 'moved start solved', 'at head', 'head solved'],
      d.moves.map((m) => [m.startRule, m.starts, m.moved, m.moved ? `${m.movedSolved} (${pct(m.movedSolved / m.moved)})` : '-', m.atHead, m.atHead ? `${m.headSolved} (${pct(m.headSolved / m.atHead)})` : '-']),
      'moves',
    ),
    '<h2>Queues</h2>',
    hours.length
      ? chart({ id: 'queue-throughput', title: 'Tasks finished per hour, per queue', xLabel: 'hour', yLabel: 'tasks', x: hours.map((h) => h / 1000), time: true, series: seriesOver(d.throughput, hours, (t) => t.queue, (t) => t.hour, (t) => t.finished, (k) => k) })
      : '<p class="none">no queued task finished yet</p>',
    htmlTable(
      ['queue', 'tasks', 'finished', 'avg wait (s)', 'throughput (tasks/h)', 'ETA error (median)'],
      d.queues.map((q) => [q.queue, q.tasks, q.finished, q.avgWaitSeconds?.toFixed(1) ?? '-', q.throughputPerHour?.toFixed(1) ?? '-', pct(q.etaMedianRelativeError)]),
      'queues',
    ),
  ];
  return htmlPage('kisystem: learning report', parts.join('\n'));
}
