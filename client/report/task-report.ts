/**
 * The report of one task as one HTML page: how it ended, the chain and each decision, every run,
 * the optimization's iterations as plots (kernel or benchmark time and profile score per
 * iteration, each point marked with its profile tier, the trigger rule beside it, the target as a
 * line), and the winning code with its diff against the first passing answer.
 */
import { statusWord, type TaskEnding } from '../../contracts/task-ending';
import type { EscalationEvent, OptimizationIteration, OptimizationSummary } from '../../contracts/task-messages';
import type { StartDecision } from '../../policy/rules/hybrid-decision';
import { chart, html, htmlPage, htmlTable, type ChartSeries } from './html-page';
import { lineDiff } from './line-diff';

export interface ReportRun {
  attemptNo: number;
  model: string;
  source: string;
  phase: string;
  outcome: string;
  errorType: string | null;
  severity: number | null;
  firstErrorLine: string | null;
  decision: string | null;
  llmMs: number;
  buildMs: number;
  testMs: number;
  host: string | null;
  finishedAt: string | null;
  code: string | null;
}

export interface TaskReportData {
  workflowId: string;
  webUiUrl: string | null;
  /** Temporal's status of the execution (RUNNING, COMPLETED, ...). */
  execution: string;
  /** How the task ended; null while it runs. */
  ending: TaskEnding | null;
  /** What a running task does now (KisystemStatus). */
  liveStatus: string | null;
  message: string | null;
  task: { id: string; title: string; domain: string; language: string; goal: string } | null;
  /** The profile score the optimization aims at (config target_score). */
  targetScore: number | null;
  /** The task's reference time for its benchmark (benchmark.reference_ms). */
  referenceMs: number | null;
  start: Pick<StartDecision, 'rule' | 'summary' | 'chain' | 'startIndex'> | null;
  escalations: EscalationEvent[];
  runs: ReportRun[];
  optimization: OptimizationSummary | null;
  /** The winning code (the result's final code), joined as the history stores a run's code. */
  winningCode: string | null;
  winningModel: string | null;
  generatedAt: string;
}

const TIER_COLORS = ['#0969da', '#cf222e', '#8250df', '#bf8700'];

/** The facts an iteration records beyond the ones the table names (whatever the profiler adds), as "key value". */
function extraFacts(it: OptimizationIteration): string {
  const known = new Set(['iteration', 'attemptNo', 'model', 'tier', 'rule', 'summary', 'score', 'timeMs', 'accepted', 'rejectedAs']);
  return Object.entries(it)
    .filter(([k, v]) => !known.has(k) && v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/** The optimization's plots: one series per profile tier (points), the time's line through all, the target. */
export function optimizationCharts(o: OptimizationSummary, targetScore: number | null, referenceMs: number | null): string {
  const x = o.iterations.map((it) => it.iteration);
  const tiers = [...new Set(o.iterations.map((it) => it.tier).filter((t): t is NonNullable<typeof t> => t !== null))].sort();
  const perTier = (pick: (it: OptimizationIteration) => number | null): ChartSeries[] =>
    tiers.map((tier, i) => ({ label: `tier ${tier}`, color: TIER_COLORS[i % TIER_COLORS.length]!, pointsOnly: true, values: o.iterations.map((it) => (it.tier === tier ? pick(it) : null)) }));
  const time: ChartSeries[] = [{ label: 'time (ms)', color: '#57606a', values: o.iterations.map((it) => it.timeMs) }, ...perTier((it) => it.timeMs)];
  if (referenceMs !== null) time.push({ label: 'reference (ms)', color: '#1a7f37', dashed: true, values: x.map(() => referenceMs) });
  const score: ChartSeries[] = [{ label: 'profile score', color: '#57606a', values: o.iterations.map((it) => it.score) }, ...perTier((it) => it.score)];
  if (targetScore !== null) score.push({ label: `target ${targetScore}`, color: '#1a7f37', dashed: true, values: x.map(() => targetScore) });
  return [
    chart({ id: 'optimization-time', title: 'Kernel or benchmark time per optimization iteration (points: the profile tier that counted)', xLabel: 'iteration', yLabel: 'ms', x, series: time }),
    chart({ id: 'optimization-score', title: 'Profile score per iteration, against the target', xLabel: 'iteration', yLabel: 'score', x, series: score }),
    htmlTable(
      ['iteration', 'run', 'model', 'tier', 'trigger rule', 'decision', 'score', 'ms', 'kept', 'more'],
      o.iterations.map((it) => [
        it.iteration, it.attemptNo, it.model, it.tier ?? '-', it.rule ?? '-', it.summary,
        it.score === null ? '' : it.score.toFixed(1), it.timeMs === null ? '' : it.timeMs.toPrecision(4), it.accepted ? 'kept' : `not kept ${it.rejectedAs ?? ''}`, extraFacts(it),
      ]),
      'iterations',
    ),
  ].join('\n');
}

function diffSection(firstPassing: ReportRun | null, winningCode: string | null): string {
  if (!winningCode) return '<p class="none">no passing code</p>';
  const code = `<pre class="code">${html(winningCode)}</pre>`;
  if (!firstPassing?.code) return code;
  if (firstPassing.code === winningCode) return `${code}<p>The winning code is the first passing answer (run ${firstPassing.attemptNo}, ${html(firstPassing.model)}).</p>`;
  const diff = lineDiff(firstPassing.code, winningCode);
  const body = diff
    ? diff.map((l) => `<span class="${l.kind}">${l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '} ${html(l.text)}</span>`).join('\n')
    : html('(too long to compare here)');
  return `${code}<h3>Against the first passing answer (run ${firstPassing.attemptNo}, ${html(firstPassing.model)})</h3><pre class="diff">${body}</pre>`;
}

export function renderTaskReport(d: TaskReportData): string {
  const title = d.task ? `${d.task.title} (${d.task.id})` : d.workflowId;
  const state = d.ending ? `<span class="ending ${d.ending}">${html(statusWord(d.ending))}</span>` : `<span class="ending">running: ${html(d.liveStatus ? statusWord(d.liveStatus) : 'starting')}</span>`;
  const firstPassing = d.runs.find((r) => r.outcome === 'success') ?? null;
  const chain = d.start?.chain ?? [];
  const parts = [
    `<h1>${html(title)}</h1>`,
    `<p>${state} ${html(d.message ?? '')}</p>`,
    `<p class="meta">workflow <code>${html(d.workflowId)}</code> (Temporal: ${html(d.execution)})${d.webUiUrl ? ` · <a href="${html(d.webUiUrl)}">Web UI</a>` : ''} · ${d.task ? `${html(d.task.domain)}, ${html(d.task.language)} · ` : ''}report made ${html(d.generatedAt)}</p>`,
    d.task ? `<details><summary>Goal</summary><pre>${html(d.task.goal)}</pre></details>` : '',
    '<h2>Chain and decisions</h2>',
    chain.length ? `<p>Chain: ${chain.map((m, i) => (i === d.start?.startIndex ? `<b>${html(m)}</b>` : html(m))).join(' → ')}</p>` : '',
    d.start ? `<p>Start decision (${html(d.start.rule)}): ${html(d.start.summary)}</p>` : '',
    htmlTable(['after run', 'from', 'to', 'rule', 'reason'], d.escalations.map((e) => [e.afterAttempt, e.from, e.to, e.rule, e.reason]), 'escalations', 'no escalation'),
    '<h2>Runs</h2>',
    htmlTable(
      ['run', 'model', 'source', 'result', 'category', 'first error', 'then', 'LLM s', 'build s', 'test s', 'host', 'finished'],
      d.runs.map((r) => [
        r.attemptNo, r.model, r.source, r.outcome === 'success' ? 'passed' : `failed in ${r.phase}`, r.errorType ? `${r.errorType} (sev ${r.severity ?? '-'})` : '',
        r.firstErrorLine ?? '', r.decision ?? '', (r.llmMs / 1000).toFixed(1), (r.buildMs / 1000).toFixed(1), (r.testMs / 1000).toFixed(1), r.host ?? '', r.finishedAt ?? '',
      ]),
      'runs',
    ),
    '<h2>Optimization</h2>',
    d.optimization
      ? `<p>Best score ${d.optimization.bestScore.toFixed(1)} at iteration ${d.optimization.bestIteration} (${d.optimization.bestTimeMs.toPrecision(4)} ms); stopped: ${html(d.optimization.stopReason)}${d.optimization.fellBack ? ` · ${html(d.optimization.fellBack)}` : ''}</p>${optimizationCharts(d.optimization, d.targetScore, d.referenceMs)}`
      : '<p class="none">no optimization phase (the task has no benchmark, or it did not get that far)</p>',
    `<h2>Winning code${d.winningModel ? ` (${html(d.winningModel)})` : ''}</h2>`,
    diffSection(firstPassing, d.winningCode),
  ];
  return htmlPage(`kisystem report: ${title}`, parts.join('\n'));
}
