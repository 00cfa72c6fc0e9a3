/**
 * The local stack: the Temporal dev server (started unless one already answers), the learning
 * history (created and migrated), and the two workers as child processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { databaseUrl, prepareDatabase } from '../db/database';
import { findOrInstallTemporalCli, isListening, startDevServer, type DevServer } from '../runtime/dev-server';
import { startProductionTemporal, type ProductionTemporal } from '../runtime/production-stack';
import { PROJECT_ROOT, type Settings } from '../runtime/settings';
import { killLeftovers, newWorkerMarker, WORKER_MARKER } from './leftovers';
import { supervise, type SupervisedProcess } from './supervisor';

export interface Stack {
  devServer: DevServer | null;
  /** `up --production`: the PostgreSQL-backed server and its Web UI started here. */
  production: ProductionTemporal | null;
  uiUrl: string;
  /** The two workers, each restarted when it exits or is killed. */
  workers: SupervisedProcess[];
  stop(): Promise<void>;
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i) || '127.0.0.1', port: Number(address.slice(i + 1)) || 7233 };
}

/** Starts the dev server when nothing answers at the configured address (local addresses only). */
export async function ensureTemporal(settings: Settings, log: (line: string) => void): Promise<DevServer | null> {
  const { host, port } = splitAddress(settings.temporalAddress);
  if (await isListening(host, port)) {
    log(`Temporal: using the server at ${settings.temporalAddress}`);
    return null;
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error(`no Temporal server answers at ${settings.temporalAddress} (TEMPORAL_ADDRESS); start it, or unset TEMPORAL_ADDRESS for a local dev server`);
  }
  const binary = findOrInstallTemporalCli();
  const server = await startDevServer({ binary, dataDir: settings.dataDir, port, uiPort: port + 1000 });
  log(`Temporal: dev server started (${binary}), history in ${join(settings.dataDir, 'temporal.db')}, log ${server.logFile}`);
  return server;
}

const markers = new WeakMap<ChildProcess, string>();

/** Starts a worker process; its environment carries a fresh marker (see client/leftovers.ts). */
export function spawnWorker(kind: 'workflow' | 'gpu', env: NodeJS.ProcessEnv, logPrefix: string): ChildProcess {
  const script = join(PROJECT_ROOT, 'dist/workers', kind === 'workflow' ? 'workflow-worker.js' : 'gpu-worker.js');
  const marker = newWorkerMarker(kind);
  const child = spawn(process.execPath, [script], { env: { ...env, [WORKER_MARKER]: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
  markers.set(child, marker);
  const relay = (stream: NodeJS.ReadableStream, out: NodeJS.WriteStream) =>
    stream.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) out.write(`${logPrefix} ${line}\n`);
    });
  relay(child.stdout!, process.stdout);
  relay(child.stderr!, process.stderr);
  return child;
}

export interface StartStackOptions {
  settings: Settings;
  /** Extra environment of the workers (demo: scripted model server, demo queues). */
  workerEnv?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** Worker output goes to the terminal only when true. */
  verboseWorkers?: boolean;
  /** Runs once Temporal and the database are ready, before the workers start (up: kisystem doctor); false stops. */
  beforeWorkers?: (temporalAddress: string) => Promise<boolean>;
  /** The production-shaped server (runtime/production-stack.ts) instead of the dev server. */
  production?: boolean;
}

export async function startStack(options: StartStackOptions): Promise<Stack> {
  const { settings, log } = options;
  const production = options.production ? await startProductionTemporal(settings, log) : null;
  const devServer = options.production ? null : await ensureTemporal(settings, log);
  const stopTemporal = async () => {
    await devServer?.stop();
    await production?.stop();
  };
  const db = await prepareDatabase(databaseUrl());
  await db.destroy();
  log(`Postgres: learning history ready (${databaseUrl().replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')})`);
  const temporalAddress = production?.address ?? devServer?.address ?? settings.temporalAddress;
  if (options.beforeWorkers && !(await options.beforeWorkers(temporalAddress))) {
    await stopTemporal();
    throw new Error('kisystem doctor found a blocking problem (FAIL above); fix it and run kisystem up again');
  }
  const env = {
    ...process.env,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: settings.namespace,
    KISYSTEM_TASK_QUEUE: settings.taskQueue,
    KISYSTEM_GPU_QUEUE: settings.gpuQueue,
    KISYSTEM_CONFIG: settings.configPath,
    KISYSTEM_DATA_DIR: settings.dataDir,
    ...options.workerEnv,
  };
  const workers = (['workflow', 'gpu'] as const).map((kind) =>
    supervise({
      name: `${kind} worker`,
      start: () => spawnWorker(kind, env, `[${kind}-worker]`),
      log,
      // Builds and tests of a worker that was killed would run on as orphans: end them.
      afterExit: (proc) => {
        const marker = markers.get(proc);
        const left = marker ? killLeftovers(marker) : [];
        if (left.length) log(`[up] killed ${left.length} process(es) the ${kind} worker left behind (pids ${left.join(', ')})`);
      },
    }),
  );
  log(`workers: ${workers.map((w, i) => `${i === 0 ? 'workflow' : 'gpu'} worker pid ${w.current().pid}`).join(', ')} (restarted when they exit or are killed)`);
  let stopped = false;
  return {
    devServer,
    production,
    uiUrl: production?.ui?.address ?? devServer?.uiUrl ?? settings.webUiUrl,
    workers,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(workers.map((w) => w.stop()));
      await stopTemporal();
    },
  };
}
