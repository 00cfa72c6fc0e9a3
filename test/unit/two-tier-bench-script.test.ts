/**
 * The fixed input of the two-tier profiling benchmark: examples/matmul-tiled/optimization/ (the
 * scripted sequence of kernels and its model script), and the benchmark mode of the matmul-tiled
 * example that times them. Whether the kernels are fast or slow needs a GPU
 * (examples/check-examples.sh checks pass/fail there); this checks that the pieces fit together.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBenchLines } from '../../policy/parsers/microbench-line';
import { loadTask } from '../../runtime/load-task';
import { loadModelScripts } from '../../scripted-model-server/scripts';
import { expectedOutcomes } from '../helpers/expected-outcomes';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const TASK = join(EXAMPLES, 'matmul-tiled');
const FOLDER = join(TASK, 'optimization');
const SCRIPT = join(FOLDER, 'two-tier-script.yaml');

/** The sequence in order: the baseline, then the ten optimization iterations. */
const SEQUENCE = [
  'it00_baseline.cu',
  'it01_unroll.cu',
  'it02_restrict.cu',
  'it03_wrong_edges.cu',
  'it04_launch_bounds.cu',
  'it05_regression_naive.cu',
  'it06_two_outputs.cu',
  'it07_fmaf.cu',
  'it08_unpadded.cu',
  'it09_recomputed_index.cu',
  'it10_unroll8.cu',
];

describe('the two-tier benchmark script (examples/matmul-tiled/optimization)', () => {
  it('loads: one model that hands in the baseline and then it01..it10, in order', () => {
    const [script, ...others] = loadModelScripts([SCRIPT]);
    expect(others).toEqual([]);
    expect(script!.task).toBe('matmul-tiled');
    expect(Object.keys(script!.models)).toEqual(['kisystem-bench-coder']);
    const answers = script!.models['kisystem-bench-coder']!;
    expect(answers).toHaveLength(11);
    expect(answers.map((a) => a.label)).toEqual(SEQUENCE.map((f) => `file ${f}`));
    for (const answer of answers) {
      if (answer.kind !== 'reply') throw new Error(`${answer.label}: expected a reply`);
      expect(answer.content).toContain('```cuda\n');
      expect(answer.content).toContain('void matmul(const float* A, const float* B, float* C, int M, int N, int K)');
      expect(answer.content).toContain('#include "matmul.h"');
      expect(answer.content).toContain('#include <cuda_runtime.h>');
      expect(answer.cutShort).toBe(false);
    }
  });

  it('scripts every kernel of the folder, and every kernel has an expected outcome', () => {
    expect(readdirSync(FOLDER).filter((f) => f.endsWith('.cu')).sort()).toEqual(SEQUENCE);
    const outcomes = new Map(expectedOutcomes(TASK));
    // Only iteration 3 is wrong; the regression (iteration 5) is slow but correct.
    expect(SEQUENCE.map((f) => [f, outcomes.get(`optimization/${f}`)])).toEqual(
      SEQUENCE.map((f) => [f, f === 'it03_wrong_edges.cu' ? 'fail' : 'pass']),
    );
  });

  it('is not picked up by the examples loader (the task is scripted in model-script.yaml)', () => {
    const scripts = loadModelScripts(EXAMPLES);
    const matmul = scripts.filter((s) => s.task === 'matmul-tiled');
    expect(matmul.map((s) => s.path)).toEqual([join(TASK, 'model-script.yaml')]);
    expect(scripts.some((s) => s.path === SCRIPT)).toBe(false);
    expect(Object.keys(matmul[0]!.models)).not.toContain('kisystem-bench-coder');
  });
});

describe('the benchmark mode of the matmul-tiled example', () => {
  it('is the task benchmark command', () => {
    const task = loadTask(join(TASK, 'task.yaml'));
    expect(task.benchmark).toEqual({ command: ['./candidate', '--bench'] });
    expect(task.test.command).toEqual(['./candidate']);
  });

  it('is timed by the trusted side: the checker declares the kernel and the call counts, the harness prints no time', () => {
    const harness = readFileSync(join(TASK, 'harness.cu'), 'utf8');
    const checker = readFileSync(join(TASK, 'checker.cpp'), 'utf8');
    expect(harness).not.toMatch(/printf\([^)]*KISYSTEM_BENCH/);
    expect(checker).toMatch(/KISYSTEM_CHECKER_MAIN\("matmul", kBenchShortReps, kBenchLongReps\)/);
    // The lines the microbenchmark activity writes for the driver's times parse as bench lines.
    const times = [1.84, 1.9, 1.85];
    const output = times.map((t) => `KISYSTEM_BENCH kernel=matmul ms=${t.toFixed(6)} timed_by=trusted-driver`).join('\n');
    expect(parseBenchLines(output)).toEqual({ kernel: 'matmul', timesMs: times, medianMs: 1.85, reps: 3 });
  });
});
