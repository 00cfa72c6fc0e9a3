/**
 * The two-tier profiling benchmark as a library: runs the task with two-tier profiling on and
 * off, judges the targets and words the report. scripts/bench-two-tier.ts is its command line (the
 * full description is there); test/integration/two-tier-replay.test.ts runs it on a recording.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { BENCH_MODEL, missingForTwoTier, readRecording, TWO_TIER_SCRIPT as SCRIPT, TWO_TIER_TASK as TASK } from './two-tier-recording';

/** Why this machine cannot run the benchmark live, or null when it can. */
export async function missingForBenchmark(): Promise<string | null> {
  const missing = missingForTwoTier(await detectHost('bench-probe'));
  return missing.length ? missing.join(', ') : null;
}

function benchConfig(twoTier: boolean, iterations: number): KisystemConfig {
  return parseConfig('(bench-two-tier)', {
    enable_two_tier_profiling: twoTier,
    target_score: 100,
    max_optimization_iterations: iterations,
    stoploss_per_model: 20,
    routing: { 'CUDA/Kernel': [BENCH_MODEL] },
    llm: { provider: 'ollama' },
  });
}

function ms(value: number): string {
  return `${(value / 1000).toFixed(2)} s`;
}

function describe(label: string, opt: OptimizationSummary): string[] {
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

async function runTask(settings: Settings, config: KisystemConfig, label: string): Promise<TaskResult> {
  const client = await connectClient(settings);
  const { tasks } = loadTasks([TASK], (line) => console.log(line));
  if (tasks.length !== 1) throw new Error(`cannot load ${TASK}`);
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
async function runBoth(iterations: number, withStack: (run: (mode: RunMode) => Promise<void>) => Promise<void>, log: (line: string) => void): Promise<{ twoTier: TaskResult; full: TaskResult }> {
  const out: TaskResult[] = [];
  await withStack(async (runOne) => {
    for (const [label, twoTier] of [
      ['two-tier', true],
      ['always full', false],
    ] as const) {
      log(`${label}: enable_two_tier_profiling ${twoTier}`);
      out.push(await runOne(label, benchConfig(twoTier, iterations)));
    }
  });
  return { twoTier: out[0]!, full: out[1]! };
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
async function live(settings: Settings, scriptedUrl: string, databaseUrl: string): Promise<(run: (mode: RunMode) => Promise<void>) => Promise<void>> {
  return async (body) => {
    process.env.DATABASE_URL = databaseUrl; // startStack prepares the history at DATABASE_URL
    await body(async (label, config) => {
      writeFileSync(settings.configPath, JSON.stringify(config, null, 2));
      const stack = await startStack({ settings, workerEnv: { OLLAMA_HOST: scriptedUrl, KISYSTEM_CONFIG: settings.configPath, DATABASE_URL: databaseUrl }, log: (line) => console.log(line) });
      try {
        return await runTask(settings, config, label);
      } finally {
        await stack.stop();
      }
    });
  };
}

/** Replay: a dev server and in-process workers; the host activities serve the recording. */
function replay(settings: Settings, scriptedUrl: string, recordingPath: string, databaseUrl: string): (run: (mode: RunMode) => Promise<void>) => Promise<void> {
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
      await body((label, config) => runTask(settings, config, label));
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
}

/** Runs the task twice (two-tier, always full) and returns both optimization summaries. */
export async function runTwoTierBenchmark(options: TwoTierBenchmarkOptions): Promise<TwoTierBenchmarkResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dataDir = mkdtempSync(join(tmpdir(), 'kisystem-bench-two-tier-'));
  mkdirSync(dataDir, { recursive: true });
  const settings = benchSettings(dataDir, await freePort(64000)); // the Web UI at port + 1000
  const databaseUrl = options.databaseUrl ?? benchDatabaseUrl();
  await ensureDatabase(databaseUrl);
  const scripted = await startScriptedModelServer({ scripts: loadModelScripts([SCRIPT]), log: () => undefined });
  log(`scripted model server (tests and demo only, not a model) at ${scripted.url}, playing ${BENCH_MODEL} from ${SCRIPT}`);
  try {
    const stack = options.replay ? replay(settings, scripted.url, options.replay, databaseUrl) : await live(settings, scripted.url, databaseUrl);
    const { twoTier, full } = await runBoth(options.iterations, stack, log);
    return { twoTier: twoTier.optimization!, full: full.optimization!, threshold: benchConfig(true, options.iterations).two_tier_profiling.score_change_threshold };
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
  const met = saving >= 0.6 && regressions.length > 0 && missed.length === 0 && wrongRejected.twoTier && wrongRejected.full;
  return {
    totalTwoTierMs,
    totalFullMs,
    saving,
    fullProfiles: r.twoTier.iterations.filter((i) => i.tier === 1).length,
    profiled: r.twoTier.iterations.filter((i) => i.tier !== null).length,
    regressions,
    missed,
    wrongRejected,
    met,
  };
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
    `targets ${v.met ? 'met' : 'NOT met'}${v.regressions.length === 0 ? ' (no regression larger than the threshold was measured: the sequence did not test that)' : ''}`,
  ];
}
