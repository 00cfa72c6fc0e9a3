/**
 * `kisystem stats` says whether the learning pays with the decision benchmark's figures simulated on
 * the team's own history, the same lines as `kisystem simulate` (real PostgreSQL, a history imported
 * from a learning export).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importLearningFile } from '../../db/learning-io';
import { showStats } from '../../client/learning';
import { runSimulate } from '../../client/simulate';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

const dir = mkdtempSync(join(tmpdir(), 'kisystem-stats-simulated-'));
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('stats_simulated');
});
afterAll(async () => {
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** 30 CUDA tasks over the last 15 days: the head fails twice, deepseek-r1 then succeeds. */
function historyFile(): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let t = 0; t < 30; t++) {
    const at = (i: number) => new Date(now - (15 - t / 2) * 86_400_000 + i * 60_000).toISOString();
    const run = (attempt: number, model: string, outcome: string, ms: number) => JSON.stringify({
      task_id: `task-${t}`, workflow_id: `wf-${t}`, workflow_run_id: `run-${t}`, attempt_no: attempt, domain: 'CUDA/Kernel', model, source: 'model',
      phase: 'TEST', outcome, duration_ms: ms, started_at: at(attempt), finished_at: at(attempt),
    });
    lines.push(run(1, 'qwen2.5-coder:32b', 'failure', 400_000), run(2, 'qwen2.5-coder:32b', 'failure', 400_000), run(3, 'deepseek-r1:32b', 'success', 1_000_000));
  }
  const file = join(dir, 'history.jsonl');
  writeFileSync(file, lines.join('\n'));
  return file;
}

it('stats and simulate print the same simulated figures and targets for the current config', async () => {
  const config = defaultConfig();
  const file = historyFile();
  expect((await importLearningFile(database.db, file)).imported).toBe(90);
  const stats: string[] = [];
  await showStats(database.db, config, false, (l) => stats.push(l));
  const simulated: string[] = [];
  await runSimulate(null, config, { history: file, seeds: 5, json: false }, (l) => simulated.push(l));
  const block = (lines: string[]) => {
    const text = lines.join('\n').split('\n');
    const start = text.findIndex((l) => l.startsWith('simulated on this history'));
    return text.slice(start, start + 7);
  };
  expect(block(stats)[0]).toMatch(/^simulated on this history \(5 seeds x \d+ days; chain order not right/);
  expect(block(stats).filter((l) => /target (MET   |MISSED) /.test(l))).toHaveLength(3);
  expect(block(stats)).toEqual(block(simulated));
});
