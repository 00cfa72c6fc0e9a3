/**
 * End to end, as a user runs it: the `kisystem` client submits the C++ examples to a real dev
 * server; both workers run as processes; the scripted model server answers over HTTP; g++ builds
 * and the harnesses test; every run lands in a real Postgres database once.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runsOfWorkflow } from '../../db/runs-repository';
import { PROJECT_ROOT } from '../../runtime/settings';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { cudaHost } from '../helpers/cuda-host';
import { startLocalStack, type LocalStack } from '../helpers/local-stack';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

// The folders this file makes go with it.
afterAll(removeTempDirs);

jest.setTimeout(400_000);

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack(loadModelScripts(join(PROJECT_ROOT, 'examples')));
});

afterAll(async () => {
  await stack?.stop();
});

function workflowIdOf(out: string, taskId: string): string {
  const match = new RegExp(`^${taskId}: (\\S+)`, 'm').exec(out);
  if (!match) throw new Error(`no workflow id for ${taskId} in:\n${out}`);
  return match[1]!;
}

describe('kisystem end to end (C++ examples)', () => {
  it('submits the C++ examples, escalates the biquad filter, and records every run once', async () => {
    const tasks = ['biquad-filter', 'bounded-queue'].map((t) => join(PROJECT_ROOT, 'examples', t, 'task.yaml'));
    const submitted = await stack.kisystem(['submit', ...tasks, '--wait']);
    expect({ code: submitted.code, out: submitted.out, logs: submitted.code === 0 ? '' : stack.logs.join('') }).toMatchObject({ code: 0 });
    expect(submitted.out).toMatch(/biquad-filter-\S+\s+http:\/\/localhost:\d+\/namespaces\/default\/workflows\/biquad-filter-/);
    expect(submitted.out).toMatch(/escalate to qwen2\.5-coder:32b/);
    expect(submitted.out).toMatch(/biquad-filter\s+SUCCEEDED/);
    expect(submitted.out).toMatch(/bounded-queue\s+SUCCEEDED/);

    const biquad = await runsOfWorkflow(stack.db, workflowIdOf(submitted.out, 'biquad-filter'));
    expect(biquad.map((r) => [r.attempt_no, r.model, r.phase, r.outcome, r.error_type])).toEqual([
      [1, 'deepseek-coder-v2:16b', 'BUILD', 'failure', 'COMPILATION'],
      [2, 'deepseek-coder-v2:16b', 'TEST', 'failure', 'LOGIC'],
      [3, 'qwen2.5-coder:32b', 'TEST', 'success', null],
    ]);
    expect(biquad[0]!.domain).toBe('Audio/DSP');
    expect(biquad[1]!.decision).toMatch(/escalate to qwen2\.5-coder:32b/);
    expect(biquad[2]!.code).toContain('biquad_process');
    expect(biquad.every((r) => r.build_ms > 0)).toBe(true);

    const queue = await runsOfWorkflow(stack.db, workflowIdOf(submitted.out, 'bounded-queue'));
    expect(queue.map((r) => [r.model, r.outcome])).toEqual([['deepseek-coder-v2:16b', 'success']]);

    const status = await stack.kisystem(['status', workflowIdOf(submitted.out, 'biquad-filter')]);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/result: succeeded/);
    expect(status.out).toMatch(/escalation path: deepseek-coder-v2:16b -> qwen2\.5-coder:32b/);

    // The Meta-Supervisor's commands read what the runs taught.
    const stats = JSON.parse((await stack.kisystem(['stats', '--json'])).out);
    expect(stats.domains).toEqual(expect.arrayContaining([expect.objectContaining({ domain: 'Audio/DSP', runs: 3, success_rate: 1 / 3 })]));
    expect(stats.escalations).toEqual(expect.arrayContaining([{ domain: 'Audio/DSP', escalations: 1, stoploss_triggers: 1 }]));
    const priorities = JSON.parse((await stack.kisystem(['priorities', '--json'])).out);
    expect(priorities.map((p: { domain: string }) => p.domain).sort()).toEqual(['Audio/DSP', 'C++/System']);
    const explain = await stack.kisystem(['explain', 'Audio/DSP']);
    expect(explain.out).toMatch(/failure \(1 - sr\)\s+0\.5\s+sr = 0\.333/);
    const decisions = await stack.db.selectFrom('start_decisions').selectAll().execute();
    expect(decisions.map((d) => [d.task_id, d.model, d.rule]).sort()).toEqual([
      // start_rule "expected-cost" (default): no run yet in either domain, the hybrid score maps to no more capable tier
      ['biquad-filter', 'deepseek-coder-v2:16b', 'cold-start'],
      ['bounded-queue', 'deepseek-coder-v2:16b', 'cold-start'],
    ]);

    const list = await stack.kisystem(['list', '--query', "KisystemModel = 'qwen2.5-coder:32b'"]);
    expect(list.out).toContain(workflowIdOf(submitted.out, 'biquad-filter'));
    expect(list.out).not.toContain(workflowIdOf(submitted.out, 'bounded-queue'));
  });

  it('refuses a malformed task file naming the file and the field, and still submits the good one', async () => {
    const dir = tempDir('kisystem-bad-task-');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'id: Bad Id\ntitle: x\nlanguage: fortran\ngoal: y\nsolution_file: ../x.cpp\nharness: { files: [h.cpp] }\n');
    const good = join(PROJECT_ROOT, 'examples/bounded-queue/task.yaml');
    const result = await stack.kisystem(['submit', bad, good]);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`${bad}: id: must be lower-case`);
    expect(result.out).toContain(`${bad}: language:`);
    expect(result.out).toContain(`${bad}: solution_file:`);
    expect(result.out).toMatch(/^bounded-queue: bounded-queue-\S+/m);
    await stack.client.workflow.getHandle(workflowIdOf(result.out, 'bounded-queue')).result();
  });

  const cuda = cudaHost();
  if (!cuda.ok) console.warn(`CUDA end-to-end test SKIPPED on this machine: ${cuda.why}. Run it on a GPU host.`);
  (cuda.ok ? it : it.skip)('runs the CUDA examples on the GPU: matmul-tiled follows the guide (qwen2.5-coder:32b twice, then deepseek-r1:32b)', async () => {
    const tasks = ['matmul-tiled', 'vector-add'].map((t) => join(PROJECT_ROOT, 'examples', t, 'task.yaml'));
    const submitted = await stack.kisystem(['submit', ...tasks, '--wait']);
    expect({ code: submitted.code, out: submitted.out }).toMatchObject({ code: 0 });
    const matmulId = workflowIdOf(submitted.out, 'matmul-tiled');
    const matmul = await runsOfWorkflow(stack.db, matmulId);
    expect(matmul.slice(0, 3).map((r) => [r.model, r.phase, r.outcome])).toEqual([
      ['qwen2.5-coder:32b', 'TEST', 'failure'],
      ['qwen2.5-coder:32b', 'TEST', 'failure'],
      ['deepseek-r1:32b', 'TEST', 'success'],
    ]);
    // matmul-tiled has a benchmark: the passing kernel is the optimization baseline, timed by its
    // benchmark program and fully profiled by the real ncu (what follows depends on the GPU's figures).
    const profiles = await stack.db.selectFrom('profiles').selectAll().where('workflow_id', '=', matmulId).orderBy('iteration').execute();
    expect(profiles[0]).toMatchObject({ iteration: 0, tier: 1, rule: 'baseline', tool: 'ncu', accepted: true });
    expect(profiles[0]!.score).toBeGreaterThan(0);
    expect(profiles[0]!.time_ms).toBeGreaterThan(0);
    expect(profiles[0]!.full_profile_ms).toBeGreaterThan(0);
    const vector = await runsOfWorkflow(stack.db, workflowIdOf(submitted.out, 'vector-add'));
    expect(vector.map((r) => r.outcome)).toEqual(['failure', 'success']);
  });

  it('hands the manual fallback to a person through `kisystem resolve`', async () => {
    const dir = tempDir('kisystem-manual-');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ stoploss_per_model: 1, routing: { 'C++/System': ['qwen2.5:32b'] } }));
    const scriptDir = join(dir, 'task');
    const { cpSync } = await import('node:fs');
    cpSync(join(PROJECT_ROOT, 'examples/bounded-queue'), scriptDir, { recursive: true });
    const submit = await stack.kisystem(['submit', join(scriptDir, 'task.yaml')], { KISYSTEM_CONFIG: config });
    const id = workflowIdOf(submit.out, 'bounded-queue');
    const handle = stack.client.workflow.getHandle(id);
    for (let i = 0; i < 120; i++) {
      const state = await handle.query('state').catch(() => null) as { status: string } | null;
      if (state?.status === 'waiting_for_person') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const status = await stack.kisystem(['status', id]);
    expect(status.out).toMatch(/waiting for a person/);
    const correct = join(PROJECT_ROOT, 'examples/bounded-queue/answers/bounded_queue_correct.h');
    const resolved = await stack.kisystem(['resolve', id, '--file', correct, '--author', 'integration test']);
    expect(resolved.out).toMatch(/passed; the task is done/);
    expect(resolved.code).toBe(0);
    const runs = await runsOfWorkflow(stack.db, id);
    expect(runs.map((r) => [r.model, r.source, r.outcome])).toEqual([
      ['qwen2.5:32b', 'model', 'failure'],
      ['manual', 'manual', 'success'],
    ]);
  });
});
