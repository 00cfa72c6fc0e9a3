/**
 * Both reports open in a real headless browser (Debian's chromium via playwright-core) and draw
 * their plots. The task report comes from a task run on a real Temporal dev server (the guide's
 * optimization example: tier 1 at iterations 0 and 3, tier 0 between; scripted model and
 * profiler, runs written to a real PostgreSQL learning history); the learning report from that
 * history with runs, start decisions and queue rows spread over weeks. The test looks at what was
 * drawn: each chart's points per series, and the canvas pixels in each series' colour.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { sql } from 'kysely';
import { createLearningActivities } from '../../activities/learning';
import type { RecordRunInput } from '../../contracts/activity-types';
import type { TaskResult, TaskWorkflowInput } from '../../contracts/task-messages';
import { writeLearningReport, writeTaskReport } from '../../client/report/write-report';
import { parseConfig } from '../../policy/schemas/config-schema';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { settingsFromEnv } from '../../runtime/settings';
import { chromiumPath, launchChromium, type HeadlessBrowser } from '../helpers/headless-chromium';
import { createScriptedActivities, fence } from '../helpers/scripted-activities';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { uniqueName, workflowBundle } from '../helpers/temporal-env';
import { cudaTask, useTestServer } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const env = useTestServer();
const browserPath = chromiumPath();
if (!browserPath) console.warn('report browser tests SKIPPED: no chromium (/usr/bin/chromium); run scripts/ensure-chromium.sh or apt-get install chromium');
const itWithBrowser = browserPath ? it : it.skip;

const benchTask: ResolvedTask = { ...cudaTask, title: 'Tiled matmul [outage] <b>', benchmark: { command: ['./candidate', '--bench'], kernel_regex: 'mm_tiled', reference_ms: 2 } };
const ok = (ms: number, sol?: number) => fence(`OK ms=${ms}${sol === undefined ? '' : ` sol=${sol}`}`, 'cuda');

let database: TestDatabase;
let browser: HeadlessBrowser | null = null;
const dir = tempDir('kisystem-reports-');

beforeAll(async () => {
  database = await createTestDatabase('reports');
  if (browserPath) browser = await launchChromium(browserPath);
});

afterAll(async () => {
  await browser?.close();
  await database?.drop();
  removeTempDirs();
});

interface Drawn {
  id: string;
  series: { label: string; points: number; pixels: number }[];
}

/** Every chart of the page: its series' points, and how many canvas pixels carry each series' colour. */
async function drawnCharts(file: string): Promise<{ charts: Drawn[]; text: string; requests: string[]; errors: string[] }> {
  const page = await browser!.open(file);
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.reload();
  // The test's type check has no DOM library: the browser's objects are typed as far as the test reads them.
  await page.waitForFunction(() => (globalThis as unknown as { kisystemCharts?: unknown[] }).kisystemCharts !== undefined);
  const charts = await page.evaluate(() => {
    type Canvas2d = { canvas: { width: number; height: number }; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    type Chart = { id: string; spec: { series: { label: string; color: string; values: (number | null)[] }[] }; plot: { ctx: Canvas2d } };
    return (globalThis as unknown as { kisystemCharts: Chart[] }).kisystemCharts.map((c) => {
      const canvas = c.plot.ctx.canvas;
      const image = c.plot.ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      return {
        id: c.id,
        series: c.spec.series.map((s) => {
          const rgb = [1, 3, 5].map((i) => parseInt(s.color.slice(i, i + 2), 16));
          let pixels = 0;
          for (let p = 0; p < image.length; p += 4) {
            if (image[p + 3]! > 200 && Math.abs(image[p]! - rgb[0]!) < 24 && Math.abs(image[p + 1]! - rgb[1]!) < 24 && Math.abs(image[p + 2]! - rgb[2]!) < 24) pixels++;
          }
          return { label: s.label, points: s.values.filter((v) => v !== null).length, pixels };
        }),
      };
    });
  });
  const text = await page.evaluate(() => (globalThis as unknown as { document: { body: { innerText: string } } }).document.body.innerText);
  await page.close();
  return { charts, text, requests, errors };
}

function seriesOf(charts: Drawn[], id: string, label: string): { points: number; pixels: number } {
  const found = charts.find((c) => c.id === id)?.series.find((s) => s.label === label);
  if (!found) throw new Error(`no series ${label} in chart ${id}: ${JSON.stringify(charts.map((c) => [c.id, c.series.map((s) => s.label)]))}`);
  return found;
}

async function runOptimizedTask(): Promise<string> {
  const taskQueue = uniqueName('reports');
  const scripted = createScriptedActivities({ replies: { 'qwen2.5-coder:32b': [ok(1, 75), ok(75 / 78), ok(75 / 82), ok(75 / 88, 88)] }, hostQueue: taskQueue });
  const learning = createLearningActivities({ db: database.db });
  const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities: { ...scripted.activities, recordRun: learning.recordRun } });
  const config = parseConfig('(test)', { retry_build: 0, retry_test: 0, retry_llm: 0, retry_profile: 0, target_score: 95, max_optimization_iterations: 3, timeouts: { manual_fallback: 600, heartbeat: 10 } });
  const input: TaskWorkflowInput = { task: benchTask, config, queues: { gpu: taskQueue, cuda: taskQueue } };
  const workflowId = uniqueName('report-task');
  const result = await worker.runUntil(async () => (await env().client.workflow.start('taskWorkflow', { taskQueue, workflowId, args: [input] })).result() as Promise<TaskResult>);
  expect(result.optimization?.iterations.map((i) => i.tier)).toEqual([1, 0, 0, 1]);
  return workflowId;
}

itWithBrowser('the task report draws time and score per iteration with each tier, the target, and the code diff', async () => {
  const workflowId = await runOptimizedTask();
  const file = join(dir, 'task.html');
  await writeTaskReport(env().client, database.db, settingsFromEnv(), workflowId, file, () => undefined);
  const source = readFileSync(file, 'utf8');
  expect(source).not.toMatch(/<script[^>]+src=|<link[^>]+href=/); // one file: nothing loaded from elsewhere
  expect(source).toContain('Tiled matmul [outage] &lt;b&gt;');

  const { charts, text, requests, errors } = await drawnCharts(file);
  expect({ requests, errors }).toEqual({ requests: [], errors: [] });
  expect(charts.map((c) => c.id)).toEqual(['optimization-time', 'optimization-score']);
  // Two iterations at each tier, each drawn as points in its tier's colour; the time line through all four; the reference line.
  expect(seriesOf(charts, 'optimization-time', 'tier 1')).toMatchObject({ points: 2, pixels: expect.any(Number) });
  expect(seriesOf(charts, 'optimization-time', 'tier 0').points).toBe(2);
  expect(seriesOf(charts, 'optimization-time', 'time (ms)').points).toBe(4);
  for (const label of ['tier 0', 'tier 1', 'time (ms)', 'reference (ms)']) expect(seriesOf(charts, 'optimization-time', label).pixels).toBeGreaterThan(20);
  expect(seriesOf(charts, 'optimization-score', 'target 95').pixels).toBeGreaterThan(50);
  expect(seriesOf(charts, 'optimization-score', 'tier 1').pixels).toBeGreaterThan(20);
  // The story around the plots: the ending's word, the trigger rules, the runs, the diff against the first pass.
  expect(text).toMatch(/succeeded/);
  expect(text).toContain('iteration 3: tier 1, score +6 > 5');
  expect(text).toMatch(/Against the first passing answer \(run 1, qwen2\.5-coder:32b\)/);
  expect(text).toMatch(/- OK ms=1 sol=75\n\+ OK ms=0\.85\d* sol=88/);
});

/** A run as the workflow records it, at a given time. */
function run(workflowId: string, attemptNo: number, model: string, success: boolean, finishedAt: Date, ms: number): RecordRunInput {
  return {
    taskId: 't', workflowId, workflowRunId: `${workflowId}-run`, attemptNo, domain: 'CUDA/Kernel', model, source: 'model', phase: 'TEST',
    outcome: success ? 'success' : 'failure', errorType: success ? null : 'LOGIC', severity: success ? null : 2, recoverable: success ? null : true, rule: null,
    firstErrorLine: null, hint: null, decision: null, decisionKind: null, decisionRule: null, llmMs: ms / 2, buildMs: ms / 4, testMs: ms / 4, host: 'h', sandbox: 'bubblewrap',
    code: null, output: null, startedAt: new Date(finishedAt.getTime() - ms).toISOString(), finishedAt: finishedAt.toISOString(),
  } as RecordRunInput;
}

itWithBrowser('the learning report draws each model\'s aged success rate and run time over time, starts per week and queue throughput', async () => {
  const learning = createLearningActivities({ db: database.db });
  const now = Date.now();
  const day = 86_400_000;
  // Six weeks: the small model gets better, the large one is steady and slower.
  for (let week = 0; week < 6; week++) {
    for (let i = 0; i < 4; i++) {
      const at = new Date(now - (42 - week * 7 - i) * day);
      await learning.recordRun(run(`w${week}-${i}`, 1, 'small:7b', i < week, at, 20_000 + 1000 * i));
      await learning.recordRun(run(`w${week}-${i}`, 2, 'large:32b', i % 2 === 0, at, 90_000));
    }
    await sql`insert into start_decisions (task_id, workflow_id, workflow_run_id, domain, model, rule, meta_enabled, meta_score, complexity, failure_state, final_score, score_model, chain, summary, decided_at, start_rule)
      values ('t', ${`w${week}`}, ${`w${week}-run`}, 'CUDA/Kernel', ${week > 2 ? 'large:32b' : 'small:7b'}, 'cold-start', true, 0.5, 1, 0, 0.5, 'small:7b', ${['small:7b', 'large:32b']}, 's', ${new Date(now - (42 - week * 7) * day)}, 'expected-cost')`.execute(database.db);
  }
  for (let i = 0; i < 6; i++) {
    const finished = new Date(now - (6 - i) * 3_600_000);
    await database.db.insertInto('queue_tasks').values({ queue: 'default', key: `k${i}`, task_id: 't', workflow_id: `q${i}`, priority_score: 50, eta_seconds: 60, added_at: new Date(finished.getTime() - 600_000), started_at: new Date(finished.getTime() - 300_000), finished_at: finished, status: 'succeeded' }).execute();
  }
  const file = join(dir, 'learning.html');
  await writeLearningReport(database.db, parseConfig('(test)', {}), file, () => undefined);

  const { charts, text, requests, errors } = await drawnCharts(file);
  expect({ requests, errors }).toEqual({ requests: [], errors: [] });
  expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['starts-per-week', 'queue-throughput']));
  const cuda = charts.findIndex((c) => c.id.endsWith('-rate') && c.series.some((s) => s.label === 'small:7b'));
  expect(cuda).toBeGreaterThanOrEqual(0);
  const id = charts[cuda]!.id.replace(/-rate$/, '');
  for (const model of ['small:7b', 'large:32b']) {
    expect(seriesOf(charts, `${id}-rate`, model).points).toBeGreaterThanOrEqual(6);
    expect(seriesOf(charts, `${id}-rate`, model).pixels).toBeGreaterThan(50);
    expect(seriesOf(charts, `${id}-time`, model).pixels).toBeGreaterThan(50);
  }
  expect(seriesOf(charts, 'starts-per-week', 'expected-cost: starts').points).toBeGreaterThanOrEqual(6);
  expect(seriesOf(charts, 'starts-per-week', 'expected-cost: starts').pixels).toBeGreaterThan(20);
  expect(seriesOf(charts, 'queue-throughput', 'default').points).toBeGreaterThanOrEqual(6);
  expect(seriesOf(charts, 'queue-throughput', 'default').pixels).toBeGreaterThan(20);
  expect(text).toMatch(/Does the learning pay\?/);
  expect(text).toMatch(/last 30 days/);
});
