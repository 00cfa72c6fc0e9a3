/**
 * Device half of the two-tier benchmark: on a GPU machine WITHOUT the rest of the stack
 * (no Temporal server, no Postgres: the lent H200 has neither), runs kisystem's REAL host activities
 * (activities/build-test.ts, activities/profile.ts: nvcc, the harness, the benchmark program, ncu)
 * on every kernel of the scripted optimization sequence and writes what each activity returned,
 * durations included, to a recording:
 *
 *   node dist/scripts/gpu/record-two-tier.js --out two-tier-recording.json
 *
 * For each kernel of examples/matmul-tiled/optimization/two-tier-script.yaml, in order: extract the
 * code from the scripted reply (policy/parsers/extract-code.ts, as the task workflow does), build, test on a
 * fresh random seed, and, when the test passes, the tier-0 microbenchmark AND the tier-1 full profile
 * (both, so that either profiling policy can be replayed). The inputs are the task workflow's own
 * (workflows/host-inputs.ts) with config/optimization_config.json. An activity that throws is recorded
 * with its error. Exit code 2 when the machine lacks a GPU, nvcc or ncu.
 *
 * Local half: `node dist/scripts/bench-two-tier.js --replay two-tier-recording.json` runs the real task
 * workflow on a local dev server with these results served back (bench/two-tier-replay.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createHostActivities } from '../../activities/build-test';
import { describeHost, detectHost, type HostCapabilities } from '../../activities/host-capabilities';
import { createProfileActivities } from '../../activities/profile';
import { categorize, testPassed } from '../../policy/parsers/categorizer';
import { loadConfig } from '../../runtime/load-config';
import { loadTask } from '../../runtime/load-task';
import { PROJECT_ROOT } from '../../runtime/settings';
import { buildInputFor, fullProfileInputFor, microbenchmarkInputFor, testInputFor } from '../../workflows/host-inputs';
import type { KernelRecording, TwoTierRecording } from '../../bench/two-tier-recording';
import { BENCH_MODEL, missingForTwoTier, scriptedKernels, TWO_TIER_TASK } from '../../bench/two-tier-recording';
import { runAsActivity } from './standalone-activity';

function errorOf(error: unknown): { error: string; type: string | null } {
  const e = error as { message?: string; type?: string };
  return { error: e?.message ?? String(error), type: e?.type ?? null };
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'two-tier-recording.json' } } });
  const capabilities = await detectHost('kisystem-record');
  console.log(`record-two-tier: ${describeHost(capabilities)}`);
  const missing = missingForTwoTier(capabilities);
  if (missing.length) {
    console.log(`record-two-tier: cannot record here (${missing.join(', ')}); nothing was measured`);
    return 2;
  }
  const config = loadConfig(join(PROJECT_ROOT, 'config/optimization_config.json'));
  const task = loadTask(TWO_TIER_TASK);
  if (!task.benchmark) throw new Error(`${TWO_TIER_TASK} has no benchmark section`);
  const workRoot = join(tmpdir(), `kisystem-record-${process.pid}`);
  mkdirSync(workRoot, { recursive: true });
  const host = createHostActivities({ capabilities, workRoot });
  const profile = createProfileActivities({ capabilities });
  const ids = { workflowId: 'record-two-tier', workflowRunId: String(Date.now()) };
  const where = { solutionFile: task.solution_file, harnessFiles: task.harnessFiles.map((f) => f.path) };
  const kernels: KernelRecording[] = [];
  for (const { index, label, files, sha256 } of scriptedKernels(task)) {
    const entry: KernelRecording = { index, label, sha256, build: null, test: null, categorization: null, microbenchmark: null, fullProfile: null };
    kernels.push(entry);
    const build = await runAsActivity('buildCandidate', () => host.buildCandidate(buildInputFor(task, config, ids, index + 1, files)));
    entry.build = build;
    if (!build.ok) {
      entry.categorization = categorize({ phase: 'BUILD', exitCode: build.exitCode, signal: build.signal, timedOut: build.timedOut, output: build.output, ...where });
      console.log(`${label}: build failed`);
      continue;
    }
    const seed = Math.floor(Math.random() * 2 ** 31);
    const test = await runAsActivity('testCandidate', () => host.testCandidate(testInputFor(task, config, build.runFolder, seed)));
    entry.test = test;
    if (!testPassed(test)) {
      entry.categorization = categorize({ phase: 'TEST', exitCode: test.exitCode, signal: test.signal, timedOut: test.timedOut, output: test.output, ...where });
      console.log(`${label}: test failed (${entry.categorization.errorType}: ${entry.categorization.firstErrorLine})`);
      continue;
    }
    entry.microbenchmark = await runAsActivity('microbenchmark', () => profile.microbenchmark(microbenchmarkInputFor(task, task.benchmark!, config, build.runFolder, seed))).catch(errorOf);
    entry.fullProfile = await runAsActivity('fullProfile', () => profile.fullProfile(fullProfileInputFor(task, task.benchmark!, config, build.runFolder, seed))).catch(errorOf);
    const bench = 'medianMs' in entry.microbenchmark ? `${entry.microbenchmark.medianMs.toFixed(4)} ms in ${entry.microbenchmark.durationMs} ms` : `ERROR ${entry.microbenchmark.error}`;
    const full = 'score' in entry.fullProfile ? `score ${entry.fullProfile.score.toFixed(1)} in ${entry.fullProfile.durationMs} ms` : `ERROR ${entry.fullProfile.error}`;
    console.log(`${label}: passed; tier 0 ${bench}; tier 1 ${full}`);
    // Written after every kernel: a lease that ends mid-sequence still leaves what was measured.
    save(values.out!, capabilities, task.id, kernels);
  }
  save(values.out!, capabilities, task.id, kernels);
  console.log(`record-two-tier: ${kernels.length} kernels recorded in ${values.out}`);
  return 0;
}

function save(out: string, capabilities: HostCapabilities, taskId: string, kernels: KernelRecording[]): void {
  const recording: TwoTierRecording = {
    kind: 'kisystem-two-tier-recording',
    version: 1,
    recordedAt: new Date().toISOString(),
    host: { hostId: capabilities.hostId, gpus: capabilities.gpus, nvcc: capabilities.nvcc, ncu: capabilities.ncu, nsysWorks: capabilities.nsysWorks },
    task: taskId,
    model: BENCH_MODEL,
    kernels,
  };
  writeFileSync(out, `${JSON.stringify(recording, null, 1)}\n`);
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`record-two-tier: ${error instanceof Error ? error.stack : error}`);
      process.exit(1);
    },
  );
}
