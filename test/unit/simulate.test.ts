/**
 * `kisystem simulate` on an exported history: the world is fitted from model-phase runs
 * only (optimization-phase and manual runs left out), and every variant runs on the same tasks.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../client/simulate';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { fitWorld, modelPhaseRuns, type HistoryRun } from '../../policy/simulation/fit-world';

const dir = mkdtempSync(join(tmpdir(), 'kisystem-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = defaultConfig();
const now = Date.now();

/** A CUDA history over 20 days: the head fails twice, deepseek-r1 then succeeds; one optimization run and one manual run per task. */
function history(): HistoryRun[] {
  const runs: HistoryRun[] = [];
  for (let t = 0; t < 40; t++) {
    const at = (i: number) => new Date(now - (20 - t / 2) * 86_400_000 + i * 60_000).toISOString();
    const base = { workflow_run_id: `run-${t}`, domain: 'CUDA/Kernel', source: 'model' };
    runs.push({ ...base, attempt_no: 1, model: 'qwen2.5-coder:32b', outcome: 'failure', duration_ms: 400_000, finished_at: at(1) });
    runs.push({ ...base, attempt_no: 2, model: 'qwen2.5-coder:32b', outcome: 'failure', duration_ms: 400_000, finished_at: at(2) });
    runs.push({ ...base, attempt_no: 3, model: 'deepseek-r1:32b', outcome: 'success', duration_ms: 1_000_000, finished_at: at(3) });
    runs.push({ ...base, attempt_no: 4, model: 'deepseek-r1:32b', outcome: 'failure', duration_ms: 1_000_000, finished_at: at(4) });
    runs.push({ ...base, attempt_no: 5, model: 'qwen2.5-coder:32b', source: 'manual', outcome: 'success', duration_ms: 1, finished_at: at(5) });
  }
  return runs;
}

describe('kisystem simulate', () => {
  it('fits chances and run times from model-phase runs only', () => {
    const runs = history();
    expect(modelPhaseRuns(runs)).toHaveLength(120);
    const fitted = fitWorld(runs, config, new Date(now));
    const r1 = fitted.models.find((m) => m.model === 'deepseek-r1:32b')!;
    const head = fitted.models.find((m) => m.model === 'qwen2.5-coder:32b')!;
    expect(r1).toMatchObject({ runs: 40, medianSeconds: 1000, timeSource: 'history: median of 40 runs' });
    expect(r1.chance).toBeGreaterThan(0.95);
    expect(head.runs).toBe(80);
    expect(head.chance).toBeLessThan(0.05);
    expect(fitted.perDay['CUDA/Kernel']).toBeCloseTo(40 / fitted.spanDays, 9);
  });

  it('compares the current config with alternatives on an exported history, as JSON', async () => {
    const file = join(dir, 'history.jsonl');
    writeFileSync(file, history().map((r) => JSON.stringify({ ...r, task_id: r.workflow_run_id, workflow_id: r.workflow_run_id, phase: 'TEST', started_at: r.finished_at })).join('\n'));
    const lines: string[] = [];
    await runSimulate(null, config, { history: file, stoploss: '1,3', startRule: 'guide', seeds: 2, json: true }, (l) => lines.push(l));
    const result = JSON.parse(lines.join('\n')) as { variants: { variant: string; machine_s_per_task: number; fixed_chain_s_per_task: number; recovered_pct: number }[] };
    expect(result.variants.map((v) => v.variant)).toEqual(['current config', 'stoploss 1', 'stoploss 3', 'start rule guide']);
    const current = result.variants[0]!;
    // The head never succeeds and deepseek-r1 almost always does: starting there beats the fixed chain.
    expect(current.machine_s_per_task).toBeLessThan(current.fixed_chain_s_per_task);
    // Stop-loss 1 wastes one head run less than stop-loss 3 in the fixed chain.
    expect(result.variants[1]!.fixed_chain_s_per_task).toBeLessThan(result.variants[2]!.fixed_chain_s_per_task);
  });

  it('prints the decision benchmark\'s figures and targets for the current config on the history (as `kisystem stats` does)', async () => {
    const lines: string[] = [];
    await runSimulate(null, config, { history: join(dir, 'history.jsonl'), seeds: 2, json: false }, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(text).toMatch(/simulated on this history \(2 seeds x \d+ days; chain order not right: the oracle starts past the head\)/);
    expect(text).toMatch(/expected-cost \(this config\)\s+[\d.]+ % recovered\s+\d+ s\/task [\d.]+x oracle/);
    for (const name of ['cost <= fixed chain (+0.5 %)', 'cost <= 1.25x oracle', 'recovered >= domain oracle - 0.5 pt']) {
      expect(text).toMatch(new RegExp(`target (MET   |MISSED) ${name.replace(/[()+.]/g, '\\$&')}: `));
    }
    const json: string[] = [];
    await runSimulate(null, config, { history: join(dir, 'history.jsonl'), seeds: 2, json: true }, (l) => json.push(l));
    const targets = (JSON.parse(json.join('\n')) as { targets: { chainRight: boolean; rule: { meanCostSeconds: number }; fixedChain: { meanCostSeconds: number } } }).targets;
    expect(targets.chainRight).toBe(false);
    expect(targets.rule.meanCostSeconds).toBeLessThan(targets.fixedChain.meanCostSeconds);
  });

  it('refuses a bad option value by name', async () => {
    await expect(runSimulate(null, config, { history: join(dir, 'history.jsonl'), stoploss: '0', seeds: 1, json: true }, () => undefined)).rejects.toThrow('--stoploss: "0" is not a valid value');
  });
});
