/**
 * One self-contained HTML page: styles, the charting library (uPlot, read from its npm package and
 * inlined) and the data, all in the file, so it opens offline from a disk or a mail attachment.
 * Charts are declared as data (ChartSpec) and drawn in the browser; every drawn chart is listed in
 * `window.kisystemCharts` (spec and uPlot instance) for whoever wants to look at what was drawn.
 */
import { readFileSync } from 'node:fs';

export interface ChartSeries {
  label: string;
  /** One value per x; null where the series has no point. */
  values: (number | null)[];
  color: string;
  /** Points only (no line between them), e.g. the iterations profiled at tier 1. */
  pointsOnly?: boolean;
  /** A dashed line, e.g. a target. */
  dashed?: boolean;
}

export interface ChartSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** x values: numbers, or seconds since the epoch when `time` is set. */
  x: number[];
  time?: boolean;
  series: ChartSeries[];
}

/** Text as HTML (element content and attribute values). */
export function html(text: string | number | null | undefined): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON that is safe inside a <script> element (no "</script>", no "<!--"). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A table; cells are text (escaped here). */
export function htmlTable(head: readonly string[], rows: readonly (readonly (string | number | null)[])[], className = '', empty = 'none yet'): string {
  if (rows.length === 0) return `<p class="none">${html(empty)}</p>`;
  return `<table class="${html(className)}"><thead><tr>${head.map((h) => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${html(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A chart's place in the page; drawn from its spec by the page's script. */
export function chart(spec: ChartSpec): string {
  return `<figure class="chart" id="${html(spec.id)}"><figcaption>${html(spec.title)}</figcaption><script type="application/json" class="chart-spec">${scriptJson(spec)}</script></figure>`;
}

let library: { js: string; css: string } | null = null;

function uplot(): { js: string; css: string } {
  library ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return library;
}

/** Draws every chart spec of the page with uPlot. */
const DRAW = `
(function () {
  window.kisystemCharts = [];
  document.querySelectorAll('figure.chart').forEach(function (figure) {
    var spec = JSON.parse(figure.querySelector('script.chart-spec').textContent);
    var series = [{ label: spec.xLabel }].concat(spec.series.map(function (s) {
      return {
        label: s.label, stroke: s.color, width: s.pointsOnly ? 0 : 2, dash: s.dashed ? [6, 4] : undefined,
        spanGaps: !s.pointsOnly, points: { show: !s.dashed, size: s.pointsOnly ? 11 : 6, fill: s.color, stroke: s.color },
      };
    }));
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var plot = new uPlot({
      width: 860, height: 320, series: series,
      scales: { x: { time: !!spec.time } },
      // Iterations are whole numbers: no ticks between them.
      axes: [spec.time ? { label: spec.xLabel } : { label: spec.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] }, { label: spec.yLabel, size: 70 }],
    }, data, figure);
    window.kisystemCharts.push({ id: spec.id, spec: spec, plot: plot });
  });
})();`;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #1b1f24; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #d0d7de; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; } .none { color: #57606a; font-style: italic; }
.ending { font-weight: 600; padding: 2px 8px; border-radius: 4px; background: #eaeef2; }
.ending.succeeded { background: #dafbe1; } .ending.failed, .ending.exhausted { background: #ffebe9; } .ending.cancelled, .ending.gave_up { background: #fff8c5; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; } .diff .add { background: #dafbe1; } .diff .del { background: #ffebe9; }
figure.chart { margin: 16px 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
.meta { color: #57606a; }`;

/** The whole page. `body` is HTML (its text already escaped). */
export function htmlPage(title: string, body: string): string {
  const lib = uplot();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(title)}</title>
<style>${lib.css}${STYLE}</style></head>
<body>${body}
<script>${lib.js}</script>
<script>${DRAW}</script>
</body></html>
`;
}
