/**
 * Tier 0 and tier 1 of a C++ task with the real tools: the transpose example's answers built by the
 * real build activity in the real sandbox, timed by the real microbenchmark activity (the checker's
 * bench frames, timed by the trusted driver, each answer's digest checked) and profiled by the real fullProfile
 * activity, which runs the same frames under valgrind's cachegrind in the same sandbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHostActivities, type HostSandbox } from '../../activities/build-test';
import { detectHost, type HostCapabilities } from '../../activities/host-capabilities';
import { createProfileActivities } from '../../activities/profile';
import { setUpSandbox } from '../../activities/sandbox-host';
import type { BuildResult } from '../../contracts/activity-types';
import type { FullProfileResult } from '../../contracts/profile-types';
import { CPU_HEADROOM, cachegrindYardstick } from '../../policy/rules/two-tier';
import { defaultConfig } from '../../policy/schemas/config-schema';
import { loadTask } from '../../runtime/load-task';
import { PROJECT_ROOT } from '../../runtime/settings';
import { buildInputFor, fullProfileInputFor, microbenchmarkInputFor } from '../../workflows/host-inputs';
import { sandboxedHost, TWICE_CHECKER, TWICE_HARNESS } from '../helpers/sandboxed-host';
import { removeTempDirs, tempDir } from '../helpers/temp-dirs';

afterAll(removeTempDirs);
jest.setTimeout(600_000);

const EXAMPLE = join(PROJECT_ROOT, 'examples', 'transpose-blocked');
const task = loadTask(join(EXAMPLE, 'task.yaml'));
const benchmark = task.benchmark!;
const config = defaultConfig();
const workRoot = tempDir('kisystem-cachegrind-');
let capabilities: HostCapabilities;
let sandbox: HostSandbox;
let attemptNo = 0;

/** Runs an activity function as the worker would (heartbeats, cancellation), typed by the function. */
function act<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
  return new MockActivityEnvironment().run(fn, ...args) as Promise<R>;
}

beforeAll(async () => {
  capabilities = await detectHost('cachegrind-test');
  sandbox = await setUpSandbox(config, workRoot);
});

async function build(answer: string): Promise<BuildResult> {
  const host = createHostActivities({ capabilities, workRoot, sandbox });
  const files = [{ path: task.solution_file, content: readFileSync(join(EXAMPLE, answer), 'utf8') }];
  const result = await act(host.buildCandidate, buildInputFor(task, config, { workflowId: 'cachegrind', workflowRunId: 'run' }, ++attemptNo, files));
  expect({ ok: result.ok, output: result.output }).toEqual({ ok: true, output: expect.any(String) });
  return result;
}

const profiler = () => createProfileActivities({ capabilities, sandbox });

describe('a C++ task profiled with cachegrind over the benchmark frames', () => {
  let baseline: FullProfileResult;

  it('the host has valgrind', () => {
    expect(capabilities.valgrind).toMatch(/^valgrind-/);
  });

  it('the naive baseline: timed by the driver, then fully profiled; the score is its share of cycles spent on instructions', async () => {
    const naive = await build('optimization/it00_baseline.cpp');
    const bench = await act(profiler().microbenchmark, microbenchmarkInputFor(task, benchmark, config, naive.runFolder, 11));
    expect(bench.timesMs).toHaveLength(2);
    expect(bench.output).toContain('timed_by=trusted-driver');
    baseline = await act(profiler().fullProfile, fullProfileInputFor(task, benchmark, config, naive.runFolder, 11));
    expect(baseline.tool).toBe('cachegrind');
    if (baseline.tool !== 'cachegrind') return;
    const s = baseline.summary;
    expect(s.scope).toBe('kernel');
    expect(s.functions).toEqual(['transpose(float const*, float*, int, int)']);
    expect(s.bottleneck).toBe('memory');
    expect(s.hotLines[0]!.where).toMatch(/^transpose\.cpp:\d+$/); // named as the model knows the file
    expect(baseline.score).toBeCloseTo(s.cyclesSplitPct.instructions, 9);
    expect(baseline.score).toBeGreaterThan(1);
    expect(baseline.score).toBeLessThan(15);
  });

  it('the SSE transpose, scored against the baseline\'s instructions, scores several times higher', async () => {
    if (baseline?.tool !== 'cachegrind') throw new Error('the baseline was not profiled');
    const sse = await build('optimization/it07_sse_block32.cpp');
    const profile = await act(profiler().fullProfile, fullProfileInputFor(task, benchmark, config, sse.runFolder, 12, cachegrindYardstick(baseline.summary)));
    expect(profile.tool).toBe('cachegrind');
    expect(profile.score).toBeGreaterThan(3 * baseline.score);
    if (profile.tool === 'cachegrind') expect(profile.summary.estimatedCycles).toBeLessThan(baseline.summary.estimatedCycles / 3);
  });

  it('an answer that transposes only part of a large matrix passes the tests but not the benchmark\'s digest of its whole output', async () => {
    const partial = await build('optimization/it05_partial_chunks.cpp');
    const error = await act(profiler().microbenchmark, microbenchmarkInputFor(task, benchmark, config, partial.runFolder, 13)).then(
      () => null,
      (e: unknown) => e as { type?: string; message?: string },
    );
    expect(error?.type).toBe('BenchmarkFailed');
    expect(error?.message).toMatch(/KISYSTEM_VERDICT: FAIL case \d+: benchmark: the 2048 x 2048 transpose is wrong/);
  });
});

describe('a compute-bound C++ kernel under cachegrind', () => {
  it('starts at 25 at most, so the target is not reached at its baseline (instructions are nearly all its cycles)', async () => {
    const h = await sandboxedHost();
    try {
      const build = await h.build('int twice(int x) { int y = 0; for (int i = 0; i < 1000; ++i) y += (x ^ i) & 1; return 2 * x + (y & 0); }\n', { harness: TWICE_HARNESS, checker: TWICE_CHECKER });
      expect(build.ok).toBe(true);
      const input = { runFolder: build.runFolder, command: ['./candidate'], kernelRegex: 'twice', tool: 'auto' as const, timeoutS: 300, keepChars: 8000, seed: 5, language: 'cpp' as const, solutionFile: 'twice.cpp' };
      const profile = await act(createProfileActivities({ capabilities: await detectHost('cachegrind-twice'), sandbox: h.sandbox }).fullProfile, input);
      if (profile.tool !== 'cachegrind') throw new Error(`profiled with ${profile.tool}`);
      expect(profile.summary.cyclesSplitPct.instructions).toBeGreaterThan(90);
      expect(profile.score).toBeCloseTo(100 / CPU_HEADROOM, 6);
      expect(cachegrindYardstick(profile.summary)).toBeCloseTo(profile.summary.estimatedCycles / CPU_HEADROOM, 6);
    } finally {
      h.cleanup();
    }
  });
});
