/**
 * The fixed inputs of the C++ two-tier profiling benchmarks (examples/<task>/optimization/): the
 * scripted sequence of solutions, its model script and the expected outcome of each step. Whether a
 * step is fast or slow is measured by scripts/bench-two-tier.ts and docs/benchmarks.md; this checks
 * that the pieces fit together, so that a renamed or missing file fails here and not mid-benchmark.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadTask } from '../../runtime/load-task';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { expectedOutcomes } from '../helpers/expected-outcomes';

const EXAMPLES = join(__dirname, '..', '..', 'examples');

/** Per task: its interface's declaration, and the steps that must not pass (everything else must). */
const TASKS = [
  { task: 'transpose-blocked', signature: 'void transpose(', failing: ['it02_no_edges.cpp'] },
  { task: 'fir-filter', signature: 'void fir(', failing: ['it07_sse_no_tail.cpp'] },
];

describe.each(TASKS)('the two-tier benchmark script of examples/$task', ({ task, signature, failing }) => {
  const taskDir = join(EXAMPLES, task);
  const folder = join(taskDir, 'optimization');
  const scriptPath = join(folder, 'two-tier-script.yaml');
  const sequence = readdirSync(folder).filter((f) => f.endsWith('.cpp')).sort();

  it('hands in every solution of the folder once, in file order, as a C++ answer of the interface', () => {
    const [script, ...others] = loadModelScripts([scriptPath]);
    expect(others).toEqual([]);
    expect(script!.task).toBe(task);
    expect(Object.keys(script!.models)).toEqual(['kisystem-bench-coder']);
    const answers = script!.models['kisystem-bench-coder']!;
    expect(answers.map((a) => a.label)).toEqual(sequence.map((f) => `file ${f}`));
    for (const answer of answers) {
      if (answer.kind !== 'reply') throw new Error(`${answer.label}: expected a reply`);
      expect(answer.content).toContain('```cpp\n');
      expect(answer.content).toContain(signature);
      expect(answer.cutShort).toBe(false);
    }
  });

  it('gives every step an expected outcome: only the wrong ones fail', () => {
    const expected = new Map(expectedOutcomes(taskDir));
    expect(sequence.map((f) => [f, expected.get(`optimization/${f}`)])).toEqual(sequence.map((f) => [f, failing.includes(f) ? 'fail' : 'pass']));
  });

  it('belongs to a task with a benchmark, and is not picked up by the examples loader', () => {
    expect(loadTask(join(taskDir, 'task.yaml')).benchmark?.command).toEqual(['./candidate', '--bench']);
    const scripts = loadModelScripts(EXAMPLES).filter((s) => s.task === task);
    expect(scripts.map((s) => s.path)).toEqual([join(taskDir, 'model-script.yaml')]);
    expect(Object.keys(scripts[0]!.models)).not.toContain('kisystem-bench-coder');
  });
});
