/**
 * The Meta-Supervisor on a real PostgreSQL: history seeded through `learning import`, then
 * priorities, bias and explain checked against values computed by hand; the recency rule at its
 * edges; import idempotency and bad lines.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Kysely } from 'kysely';
import { createMetaActivities } from '../../activities/meta';
import { exportLearningFile, importLearningFile } from '../../db/learning-io';
import { domainAggregates, modelAggregates } from '../../db/meta-repository';
import type { Database } from '../../db/tables';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { explainPriority, nextPriorities, recommendModelBias } from '../../policy/rules/meta-supervisor';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

// The folders this file makes go with it.
afterAll(removeTempDirs);

const dir = tempDir('kisystem-learning-');
const config = defaultConfig();
const DAY = 86_400_000;
const now = new Date();
let testDb: TestDatabase;
let db: Kysely<Database>;

/** A run `ageDays` old; `n` makes the id unique. */
function line(n: number, domain: string, model: string, outcome: 'success' | 'failure', ageDays: number, durationMs = 60_000): string {
  return JSON.stringify({
    task_id: `t-${n}`, workflow_id: `wf-${n}`, workflow_run_id: `run-${n}`, attempt_no: 1, domain, model, outcome,
    error_type: outcome === 'failure' ? 'LOGIC' : null, duration_ms: durationMs, finished_at: new Date(now.getTime() - ageDays * DAY).toISOString(),
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_meta_test');
  db = testDb.db;
});

afterAll(async () => {
  await testDb?.drop();
});

describe('Meta-Supervisor on the learning history', () => {
  const file = join(dir, 'history.jsonl');
  // CUDA/Kernel: deepseek-r1:32b 6 runs, 5 successes (all 10 days old): weighted 5/6 = 0.833 -> qualifies.
  //              qwen2.5-coder:32b 10 runs, 6 successes, 4 failures, failures 20 days old, successes 1 day old.
  // C++/System:  deepseek-coder-v2:16b 4 runs, all successes (only 4 runs -> no bias).
  const lines: string[] = [];
  let n = 0;
  for (let i = 0; i < 5; i++) lines.push(line(++n, 'CUDA/Kernel', 'deepseek-r1:32b', 'success', 10, 120_000));
  lines.push(line(++n, 'CUDA/Kernel', 'deepseek-r1:32b', 'failure', 10, 120_000));
  for (let i = 0; i < 6; i++) lines.push(line(++n, 'CUDA/Kernel', 'qwen2.5-coder:32b', 'success', 1, 60_000));
  for (let i = 0; i < 4; i++) lines.push(line(++n, 'CUDA/Kernel', 'qwen2.5-coder:32b', 'failure', 20, 60_000));
  for (let i = 0; i < 4; i++) lines.push(line(++n, 'C++/System', 'deepseek-coder-v2:16b', 'success', 0.5, 30_000));

  it('imports a history file, and a second import adds nothing', async () => {
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(await importLearningFile(db, file)).toEqual({ lines: 20, imported: 20, duplicates: 0, errors: [] });
    expect(await importLearningFile(db, file)).toEqual({ lines: 20, imported: 0, duplicates: 20, errors: [] });
  });

  it('computes bias from aged success rates: deepseek-r1:32b qualifies for CUDA/Kernel, nothing for C++/System (4 runs)', async () => {
    const models = await modelAggregates(db, now, 30);
    const r1 = models.find((m) => m.domain === 'CUDA/Kernel' && m.model === 'deepseek-r1:32b')!;
    expect(r1.weightSum).toBeCloseTo(6 * Math.exp(-10 / 30), 6);
    expect(r1.weightedSuccesses / r1.weightSum).toBeCloseTo(5 / 6, 9);
    // qwen: 6 successes at w(1 day), 4 failures at w(20 days): 6e^{-1/30} / (6e^{-1/30} + 4e^{-20/30}).
    const qwen = models.find((m) => m.model === 'qwen2.5-coder:32b')!;
    const w1 = Math.exp(-1 / 30);
    const w20 = Math.exp(-20 / 30);
    expect(qwen.weightedSuccesses / qwen.weightSum).toBeCloseTo((6 * w1) / (6 * w1 + 4 * w20), 6);
    const bias = recommendModelBias(models, config.routing, config.meta_supervisor);
    // qwen's weighted rate (0.745) is below deepseek-r1's (0.833), both qualify: the higher one wins.
    expect(bias['CUDA/Kernel']).toMatchObject({ model: 'deepseek-r1:32b', runs: 6 });
    expect(bias['C++/System']).toBeUndefined();
  });

  it('computes priorities and explains every factor, by hand', async () => {
    const aggs = await domainAggregates(db);
    const cuda = aggs.find((a) => a.domain === 'CUDA/Kernel')!;
    expect(cuda).toMatchObject({ runs: 16, successes: 11 });
    // t = (6 * 120 + 10 * 60) / 16 = 82.5 s
    expect(cuda.meanDurationSeconds).toBeCloseTo(82.5, 6);
    const e = explainPriority(cuda, now, config);
    // newest failure 10 days old (not < 3), newest success 1 day old (not < 1): R = 0
    const expected = 0.5 * (1 - 11 / 16) + 0.2 / (1 + 82.5) + 0.2 * Math.min(1, 16 / 20) + 0;
    expect(e.priority_score).toBeCloseTo(expected, 9);
    expect(e.factors.failure_contribution).toBeCloseTo(0.5 * (5 / 16), 9);
    expect(e.recency.R).toBe(0);
    const cpp = explainPriority(aggs.find((a) => a.domain === 'C++/System')!, now, config);
    // C++: sr 1, t 30, c 4, success 0.5 days old -> R = -0.1
    expect(cpp.priority_score).toBeCloseTo(0 + 0.2 / 31 + 0.2 * (4 / 20) - 0.01, 9);
    expect(nextPriorities(aggs, now, config).map(([d]) => d)).toEqual(['CUDA/Kernel', 'C++/System']);
  });

  it.each([
    [2.9, 0.1],
    [3.1, -0.1],
  ])('recency: a failure %s days old next to a success half a day old gives R = %s', async (failureAge, R) => {
    const domain = `Edge/${failureAge}`;
    const f = join(dir, `edge-${failureAge}.jsonl`);
    writeFileSync(f, [line(1000 + failureAge * 10, domain, 'm', 'failure', failureAge), line(2000 + failureAge * 10, domain, 'm', 'success', 0.5)].join('\n'));
    await importLearningFile(db, f);
    const agg = (await domainAggregates(db)).find((a) => a.domain === domain)!;
    expect(explainPriority(agg, new Date(), config).recency.R).toBe(R);
  });

  it('reports bad lines with their numbers and keeps the good ones', async () => {
    const f = join(dir, 'mixed.jsonl');
    writeFileSync(f, [line(3001, 'Audio/DSP', 'x', 'success', 1), '{not json', JSON.stringify({ task_id: 't', domain: 'Audio/DSP', model: 'x', outcome: 'maybe', finished_at: 'yesterday' }), '', line(3002, 'Audio/DSP', 'x', 'failure', 1)].join('\n'));
    const report = await importLearningFile(db, f);
    expect(report).toMatchObject({ lines: 4, imported: 2, duplicates: 0 });
    expect(report.errors).toHaveLength(2);
    expect(report.errors[0]).toMatch(new RegExp(`${f}:2: not valid JSON`));
    expect(report.errors[1]).toContain(`${f}:3: outcome:`);
    expect(report.errors[1]).toContain(`${f}:3: finished_at: must be an ISO 8601 timestamp`);
  });

  it('exports what it imported, and the export imports into another history as duplicates-free copies', async () => {
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (d: Buffer) => (text += d));
    const count = await exportLearningFile(db, sink);
    expect(count).toBe(26);
    const exported = join(dir, 'exported.jsonl');
    writeFileSync(exported, text);
    expect((await importLearningFile(db, exported)).duplicates).toBe(26);
    expect(readFileSync(exported, 'utf8').split('\n')[0]).toContain('"domain":"CUDA/Kernel"');
  });

  it('hands a workflow its snapshot: the bias and the earlier failures of a resubmitted task', async () => {
    const { loadMetaSnapshot } = createMetaActivities({ db });
    const snapshot = await loadMetaSnapshot({ taskId: 't-20', domain: 'CUDA/Kernel', chain: config.routing['CUDA/Kernel'], settings: config });
    expect(snapshot.bias).toMatchObject({ model: 'deepseek-r1:32b' });
    expect(snapshot.priority?.run_count).toBe(16);
    expect(snapshot.earlierFailures).toBe(0);
    const failed = await loadMetaSnapshot({ taskId: 't-6', domain: 'CUDA/Kernel', chain: config.routing['CUDA/Kernel'], settings: config });
    expect(failed).toMatchObject({ earlierFailures: 1, lastErrorType: 'LOGIC' });
  });
});
