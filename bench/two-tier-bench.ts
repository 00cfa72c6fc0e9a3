/**
 * The two-tier profiling benchmark as a library: runs the task with two-tier profiling on and
 * off, judges the targets and words the report. scripts/bench-two-tier.ts is its command line (the
 * full description is there); test/integration/two-tier-replay.test.ts runs it on a recording.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { detectHost } from '../activities/host-capabilities';
import { createLearningActivities } from '../activities/learning';
import { createLlmActivities } from '../activities/llm';
import { createMetaActivities } from '../activities/meta';
import { createProfileHistoryActivities } from '../activities/profile-history';
import { createQueueActivities } from '../activities/queue';
import { connectClient } from '../client/connect';
import { followTasks, causeMessage } from '../client/follow';
import { startStack } from '../client/stack';
import { loadTasks, submitTask } from '../client/tasks';
import { dropDatabase, ensureDatabase, prepareDatabase } from '../db/database';
import { parseConfig, type KisystemConfig } from '../policy/schemas/config-schema';
import { findOrInstallTemporalCli, freePort, startDevServer } from '../runtime/dev-server';
import { cudaQueue, settingsFromEnv, type Settings } from '../runtime/settings';
import { loadModelScripts } from '../scripted-model-server/scripts';
import { startScriptedModelServer } from '../scripted-model-server/server';
import type { OptimizationSummary, TaskResult } from '../contracts/task-messages';
import { createReplayHostActivities } from './two-tier-replay';
import { BENCH_MODEL, missingForCppTwoTier, missingForTwoTier, readRecording, twoTierExample } from './two-tier-recording';
import { loadTask } from '../runtime/load-task';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { ExtractedFile } from '../policy/parsers/extract-code';

/** The example the benchmark runs unless told otherwise (the CUDA one, as recorded on the H200). */
export const DEFAULT_TWO_TIER_TASK = 'matmul-tiled';

/** Why this machine cannot run the benchmark of `taskId` live, or null when it can. */
export async function missingForBenchmark(taskId = DEFAULT_TWO_TIER_TASK): Promise<string | null> {
  const task = loadTask(twoTierExample(taskId).task);
  const host = await detectHost('bench-probe');
  const missing = task.language === 'cpp' ? missingForCppTwoTier(host) : missingForTwoTier(host);
  return missing.length ? missing.join(', ') : null;
}

function benchConfig(twoTier: boolean, iterations: number, task: Pick<ResolvedTask, 'domain'>): KisystemConfig {
  return parseConfig('(bench-two-tier)', {
    enable_two_tier_profiling: twoTier,
    target_score: 100,
    max_optimization_iterations: iterations,
    stoploss_per_model: 20,
    routing: { [task.domain]: [BENCH_MODEL] },
    llm: { provider: 'ollama' },
  });
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}

export function describe(label: string, opt: OptimizationSummary): string[] {
  const lines = [`${label}: ${opt.iterations.length} iterations, stop: ${opt.stopReason}${opt.fellBack ? `; profiler: ${opt.fellBack}` : ''}`];
  lines.push('  iter  tier  rule                 score   time (ms)  outcome');
  for (const it of opt.iterations) {
    const outcome = it.accepted ? 'accepted (new best)' : it.rejectedAs ? `rejected (${it.rejectedAs})` : 'not accepted';
    lines.push(
      `  ${String(it.iteration).padStart(4)}  ${it.tier === null ? '  - ' : `  ${it.tier} `}  ${(it.rule ?? '-').padEnd(19)}  ${it.score === null ? '    -' : it.score.toFixed(1).padStart(5)}  ${
        it.timeMs === null ? '        -' : it.timeMs.toFixed(4).padStart(9)
      }  ${outcome}`,
    );
  }
  lines.push(`  profiling time: tier 0 ${ms(opt.profileMsTier0)} + tier 1 ${ms(opt.profileMsTier1)} = ${ms(opt.profileMsTier0 + opt.profileMsTier1)}`);
  return lines;
}

/** Iterations (numbers) whose full-profile score fell by more than the threshold against the previous profiled one. */
export function regressionsOf(alwaysFull: OptimizationSummary, threshold: number): number[] {
  const profiled = alwaysFull.iterations.filter((i) => i.tier === 1 && i.score !== null);
  const out: number[] = [];
  for (let k = 1; k < profiled.length; k++) {
    if (profiled[k - 1]!.score! - profiled[k]!.score! > threshold) out.push(profiled[k]!.iteration);
  }
  return out;
}

async function runTask(settings: Settings, config: KisystemConfig, label: string, taskFile: string): Promise<TaskResult> {
  const client = await connectClient(settings);
  const { tasks } = loadTasks([taskFile], (line) => console.log(line));
  if (tasks.length !== 1) throw new Error(`cannot load ${taskFile}`);
  const submitted = await submitTask(client, settings, config, tasks[0]!);
  console.log(`${label}: started ${submitted.workflowId}`);
  const results = await followTasks(client, [submitted.workflowId], (line) => console.log(`  ${line}`));
  const result = results.get(submitted.workflowId)!;
  if (result instanceof Error) throw new Error(`${label}: the task workflow failed: ${causeMessage(result)}`);
  if (!result.optimization) throw new Error(`${label}: the task ended without an optimization phase: ${result.message}`);
  return result;
}

type RunMode = (label: string, config: KisystemConfig) => Promise<TaskResult>;

/** Both runs, through the stack that `withStack` sets up (live processes or the replay). */
export type BenchMode = 'two-tier' | 'always-full';

async function runBoth(iterations: number, task: ResolvedTask, modes: readonly BenchMode[], withStack: (run: (mode: RunMode) => Promise<void>) => Promise<void>, log: (line: string) => void): Promise<Partial<Record<BenchMode, TaskResult>>> {
  const out: Partial<Record<BenchMode, TaskResult>> = {};
  await withStack(async (runOne) => {
    for (const mode of modes) {
      const twoTier = mode === 'two-tier';
      log(`${mode}: enable_two_tier_profiling ${twoTier}`);
      out[mode] = await runOne(twoTier ? 'two-tier' : 'always full', benchConfig(twoTier, iterations, task));
    }
  });
  return out;
}

/** One run of the benchmark as `--only` writes it, for `--judge` to put two of them together. */
export interface BenchRunFile {
  mode: BenchMode;
  optimization: OptimizationSummary;
  finalCode: ExtractedFile[] | null;
  threshold: number;
}

/** Both runs of separate processes (`--only`) as one result. */
export function combineRuns(a: BenchRunFile, b: BenchRunFile): TwoTierBenchmarkResult {
  const twoTier = [a, b].find((r) => r.mode === 'two-tier');
  const full = [a, b].find((r) => r.mode === 'always-full');
  if (!twoTier || !full) throw new Error('--judge needs one two-tier and one always-full run');
  return { twoTier: twoTier.optimization, full: full.optimization, threshold: twoTier.threshold, finalCode: { twoTier: twoTier.finalCode, full: full.finalCode } };
}

/** A database of its own for the benchmark's learning history (no earlier runs bias the start model); dropped after. */
function benchDatabaseUrl(): string {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kisystem');
  base.pathname = `/kisystem_bench_two_tier_${Date.now().toString(36)}`;
  return base.toString();
}

function benchSettings(dataDir: string, port: number): Settings {
  const tag = Date.now().toString(36);
  return {
    ...settingsFromEnv(),
    temporalAddress: `127.0.0.1:${port}`,
    taskQueue: `bench-two-tier-${tag}`,
    gpuQueue: `bench-two-tier-gpu-${tag}`,
    configPath: join(dataDir, 'config.json'),
    dataDir,
    webUiUrl: `http://localhost:${port + 1000}`,
  };
}

/** Live: the whole stack on this GPU host (workers as processes, real nvcc, harness and ncu). */
async function live(settings: Settings, scriptedUrl: string, databaseUrl: string, taskFile: string): Promise<(run: (mode: RunMode) => Promise<void>) => Promise<void>> {
  return async (body) => {
    process.env.DATABASE_URL = databaseUrl; // startStack prepares the history at DATABASE_URL
    await body(async (label, config) => {
      writeFileSync(settings.configPath, JSON.stringify(config, null, 2));
      const stack = await startStack({ settings, workerEnv: { OLLAMA_HOST: scriptedUrl, KISYSTEM_CONFIG: settings.configPath, DATABASE_URL: databaseUrl }, log: (line) => console.log(line) });
      try {
        return await runTask(settings, config, label, taskFile);
      } finally {
        await stack.stop();
      }
    });
  };
}

/** Replay: a dev server and in-process workers; the host activities serve the recording. */
function replay(settings: Settings, scriptedUrl: string, recordingPath: string, databaseUrl: string, taskFile: string): (run: (mode: RunMode) => Promise<void>) => Promise<void> {
  const recording = readRecording(recordingPath);
  return async (body) => {
    const port = Number(settings.temporalAddress.split(':').pop());
    const server = await startDevServer({ binary: findOrInstallTemporalCli(), dataDir: settings.dataDir, port, uiPort: port + 1000 });
    const db = await prepareDatabase(databaseUrl);
    const connection = await NativeConnection.connect({ address: server.address });
    const hostQueue = `${settings.gpuQueue}@replay`;
    const host = createReplayHostActivities(recording, recordingPath, hostQueue);
    const llm = createLlmActivities({ provider: 'ollama', url: scriptedUrl });
    const workers = [
      await Worker.create({
        connection,
        taskQueue: settings.taskQueue,
        workflowsPath: require.resolve('../workflows'),
        activities: { ...createLearningActivities({ db }), ...createMetaActivities({ db }), ...createQueueActivities({ db }), ...createProfileHistoryActivities({ db }) },
      }),
      await Worker.create({ connection, taskQueue: settings.gpuQueue, activities: { ...llm, claimHost: host.claimHost } }),
      await Worker.create({ connection, taskQueue: cudaQueue(settings.gpuQueue), activities: { claimHost: host.claimHost } }),
      await Worker.create({ connection, taskQueue: hostQueue, activities: { buildCandidate: host.buildCandidate, testCandidate: host.testCandidate, microbenchmark: host.microbenchmark, fullProfile: host.fullProfile } }),
    ];
    const running = workers.map((w) => w.run());
    console.log(`replaying ${recording.kernels.length} kernels recorded ${recording.recordedAt} on ${recording.host.hostId} (${recording.host.gpus.map((g) => g.name).join(', ') || 'no GPU'}; ncu ${recording.host.ncu ?? 'missing'})`);
    try {
      await body((label, config) => runTask(settings, config, label, taskFile));
    } finally {
      workers.forEach((w) => w.shutdown());
      await Promise.all(running.map((r) => r.catch(() => undefined)));
      await connection.close();
      await db.destroy();
      await server.stop();
    }
  };
}

export interface TwoTierBenchmarkOptions {
  iterations: number;
  /** The example to optimize (`examples/<task>/optimization/two-tier-script.yaml`); default matmul-tiled. */
  task?: string;
  /** Run one mode only (two processes can then run at once, under the same load); default both, one after the other. */
  only?: BenchMode;
  /** A recording of scripts/gpu/record-two-tier.ts to replay; live on this GPU host when absent. */
  replay?: string;
  /** The learning history of the runs (created, and dropped afterwards); default: a new database beside DATABASE_URL's. */
  databaseUrl?: string;
  keepDataDir?: boolean;
  log?: (line: string) => void;
}

export interface TwoTierBenchmarkResult {
  twoTier: OptimizationSummary;
  full: OptimizationSummary;
  threshold: number;
  /** Each run's final code (its best candidate). */
  finalCode?: { twoTier: ExtractedFile[] | null; full: ExtractedFile[] | null };
}

/** Runs the task twice (two-tier, always full) and returns both optimization summaries. */
export async function runTwoTierBenchmark(options: TwoTierBenchmarkOptions): Promise<TwoTierBenchmarkResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = mkdtempSync(join(tmpdir(), 'kisystem-bench-two-tier-'));
  // The GPU worker's run folders are under it: the sandbox user must pass through (mkdtemp makes it 0700).
  chmodSync(dataDir, 0o711);
  const settings = benchSettings(dataDir, await freePort(64000)); // the Web UI at port + 1000
  const databaseUrl = options.databaseUrl ?? benchDatabaseUrl();
  await ensureDatabase(databaseUrl);
  const example = twoTierExample(options.task ?? DEFAULT_TWO_TIER_TASK);
  const task = loadTask(example.task);
  const scripted = await startScriptedModelServer({ scripts: loadModelScripts([example.script]), log: () => undefined });
  log(`scripted model server (tests and demo only, not a model) at ${scripted.url}, playing ${BENCH_MODEL} from ${example.script}`);
  try {
    const stack = options.replay ? replay(settings, scripted.url, options.replay, databaseUrl, example.task) : await live(settings, scripted.url, databaseUrl, example.task);
    const runs = await runBoth(options.iterations, task, options.only ? [options.only] : ['two-tier', 'always-full'], stack, log);
    const twoTier = runs['two-tier'];
    const full = runs['always-full'];
    // With --only, the run that did not happen is an empty summary; the caller writes the one that did.
    const none = (): OptimizationSummary => ({ iterations: [], bestScore: 0, bestIteration: 0, bestTimeMs: 0, profileMsTier0: 0, profileMsTier1: 0, stopReason: 'not run', fellBack: null, escalations: [] });
    return {
      twoTier: twoTier?.optimization ?? none(),
      full: full?.optimization ?? none(),
      threshold: benchConfig(true, options.iterations, task).two_tier_profiling.score_change_threshold,
      finalCode: { twoTier: twoTier?.finalCode ?? null, full: full?.finalCode ?? null },
    };
  } finally {
    await scripted.close();
    await dropDatabase(databaseUrl).catch(() => undefined);
    if (!options.keepDataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

export interface TwoTierVerdict {
  totalTwoTierMs: number;
  totalFullMs: number;
  saving: number;
  fullProfiles: number;
  profiled: number;
  regressions: number[];
  missed: number[];
  wrongRejected: { twoTier: boolean; full: boolean };
  /** Both runs ended with the same best code (null: the result does not carry it, as in older replays). */
  sameFinalCode: boolean | null;
  met: boolean;
}

export function judge(r: TwoTierBenchmarkResult): TwoTierVerdict {
  const totalTwoTierMs = r.twoTier.profileMsTier0 + r.twoTier.profileMsTier1;
  const totalFullMs = r.full.profileMsTier0 + r.full.profileMsTier1;
  const saving = 1 - totalTwoTierMs / totalFullMs;
  const regressions = regressionsOf(r.full, r.threshold);
  const missed = regressions.filter((k) => r.twoTier.iterations.find((i) => i.iteration === k)?.tier !== 1);
  const rejectedWrong = (opt: OptimizationSummary) => opt.iterations.some((i) => i.rejectedAs === 'LOGIC');
  const wrongRejected = { twoTier: rejectedWrong(r.twoTier), full: rejectedWrong(r.full) };
  const code = (files: ExtractedFile[] | null | undefined) => JSON.stringify((files ?? []).map((f) => [f.path, f.content]));
  const sameFinalCode = r.finalCode ? code(r.finalCode.twoTier) === code(r.finalCode.full) && r.twoTier.bestIteration === r.full.bestIteration : null;
  const met = saving >= 0.6 && regressions.length > 0 && missed.length === 0 && wrongRejected.twoTier && wrongRejected.full && sameFinalCode !== false;
  return {
    totalTwoTierMs,
    totalFullMs,
    saving,
    fullProfiles: r.twoTier.iterations.filter((i) => i.tier === 1).length,
    profiled: r.twoTier.iterations.filter((i) => i.tier !== null).length,
    regressions,
    missed,
    wrongRejected,
    sameFinalCode,
    met,
  };
}

/** The iterations rejected before any time counted (a failing test or a failing benchmark run), with their category. */
function rejections(opt: OptimizationSummary): string {
  const list = opt.iterations.filter((i) => i.tier === null && i.rejectedAs).map((i) => `iteration ${i.iteration} (${i.rejectedAs})`);
  return list.length ? list.join(', ') : 'none';
}

export function report(r: TwoTierBenchmarkResult, v: TwoTierVerdict): string[] {
  return [
    ...describe('two-tier', r.twoTier),
    '',
    ...describe('always full', r.full),
    '',
    `profiling time: two-tier ${ms(v.totalTwoTierMs)} (${v.fullProfiles} full profiles of ${v.profiled} profiled iterations), always full ${ms(v.totalFullMs)}: ${(v.saving * 100).toFixed(1)} % saved (target >= 60 %)`,
    `regressions larger than ${r.threshold} points (always-full scores): ${v.regressions.length ? v.regressions.map((k) => `iteration ${k}`).join(', ') : 'none'}; ` +
      `caught by a full profile in the two-tier run: ${v.regressions.length - v.missed.length} of ${v.regressions.length}${v.missed.length ? ` (missed: ${v.missed.join(', ')})` : ''}`,
    `incorrect kernel rejected (LOGIC): two-tier ${v.wrongRejected.twoTier ? 'yes' : 'NO'}, always full ${v.wrongRejected.full ? 'yes' : 'NO'}`,
    `rejected without a time: two-tier ${rejections(r.twoTier)}; always full ${rejections(r.full)}`,
    `final code: ${v.sameFinalCode === null ? 'not compared (the result does not carry it)' : v.sameFinalCode ? `the same in both runs (iteration ${r.twoTier.bestIteration})` : `DIFFERENT (two-tier: iteration ${r.twoTier.bestIteration}, always full: iteration ${r.full.bestIteration})`}`,
    `targets ${v.met ? 'met' : 'NOT met'}${v.regressions.length === 0 ? ' (no regression larger than the threshold was measured: the sequence did not test that)' : ''}`,
  ];
}
