/**
 * A real local stack for integration tests: the Temporal dev server on its own ports and database
 * file, a Postgres database of its own, the scripted model server, and both workers as real
 * processes on unique queues. Everything it starts, it stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { ensureDatabase, migrate, openDatabase } from '../../db/database';
import type { Database } from '../../db/tables';
import { startDevServer, type DevServer } from '../../runtime/dev-server';
import { PROJECT_ROOT } from '../../runtime/settings';
import type { LoadedScript } from '../../scripted-model-server/scripts';
import { startScriptedModelServer } from '../../scripted-model-server/server';
import { temporalCli, uniqueName } from './temporal-env';
import { dropDatabase, testDatabaseUrl } from './test-database';

export interface LocalStack {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  client: Client;
  db: Kysely<Database>;
  server: DevServer;
  gpuWorker: ChildProcess;
  workflowWorker: ChildProcess;
  /** Output of the workers so far (for failure messages). */
  logs: string[];
  startGpuWorker(): ChildProcess;
  startWorkflowWorker(): ChildProcess;
  restartServer(): Promise<void>;
  /** The scripted model server's URL; it can be stopped and started again on the same port (an outage). */
  modelServerUrl: string;
  stopModelServer(): Promise<void>;
  startModelServer(): Promise<void>;
  /** Runs the kisystem client as a user would, with the stack's environment. */
  kisystem(args: string[], extraEnv?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<{ code: number | null; out: string }>;
  stop(): Promise<void>;
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Resolves when the worker has printed the line naming its queues (it polls from then on); rejects
 * with the workers' output when it exits first, so a worker that refuses to start fails the test at
 * once instead of leaving tasks to wait out the test's timeout.
 */
export function workerReady(child: ChildProcess, kind: 'workflow' | 'gpu', logs: string[], timeoutMs = 120_000): Promise<void> {
  const marker = `kisystem ${kind} worker: queue`;
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(marker)) done();
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
      done(new Error(`the ${kind} worker exited before it polled (code ${code}, signal ${signal}):\n${logs.join('')}`));
    const timer = setTimeout(() => done(new Error(`the ${kind} worker did not name its queues in ${timeoutMs} ms:\n${logs.join('')}`)), timeoutMs);
    function done(error?: Error): void {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    }
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
  });
}

export async function startLocalStack(scripts: LoadedScript[], configPath = join(PROJECT_ROOT, 'config/optimization_config.json')): Promise<LocalStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'kisystem-it-'));
  // The sandbox user must pass through to the run folders under it (the GPU worker refuses a work
  // folder it cannot reach); mkdtemp makes it 0700.
  chmodSync(dataDir, 0o711);
  const binary = temporalCli();
  const dbFile = join(dataDir, 'temporal.db');
  // Ports chosen by startDevServer; a restart keeps the gRPC and UI ports the workers were given.
  let server = await startDevServer({ binary, dataDir, dbFile });
  const databaseUrl = testDatabaseUrl('kisystem_it');
  await ensureDatabase(databaseUrl);
  const db = openDatabase(databaseUrl);
  await migrate(db);
  let scripted: Awaited<ReturnType<typeof startScriptedModelServer>> | null = await startScriptedModelServer({ scripts, log: () => undefined });
  const modelServerPort = scripted.port;
  const queue = uniqueName('it');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: server.address,
    DATABASE_URL: databaseUrl,
    OLLAMA_HOST: scripted.url,
    KISYSTEM_TASK_QUEUE: queue,
    KISYSTEM_GPU_QUEUE: `${queue}-gpu`,
    KISYSTEM_HOST_ID: uniqueName('host'),
    KISYSTEM_DATA_DIR: dataDir,
    KISYSTEM_CONFIG: configPath,
    KISYSTEM_WEB_UI: server.uiUrl,
  };
  const logs: string[] = [];
  const children = new Set<ChildProcess>();
  const startWorker = (kind: 'workflow' | 'gpu') => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, `dist/workers/${kind}-worker.js`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => logs.push(`[${kind}] ${d}`));
    child.stderr!.on('data', (d: Buffer) => logs.push(`[${kind}!] ${d}`));
    child.once('exit', (code, signal) => logs.push(`[${kind}] exited: code ${code}, signal ${signal}\n`));
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const connection = await Connection.connect({ address: server.address });
  const gpuWorker = startWorker('gpu');
  const workflowWorker = startWorker('workflow');
  const stack: LocalStack = {
    dataDir,
    env,
    client: new Client({ connection }),
    db,
    server,
    logs,
    gpuWorker,
    workflowWorker,
    startGpuWorker() {
      stack.gpuWorker = startWorker('gpu');
      return stack.gpuWorker;
    },
    startWorkflowWorker() {
      stack.workflowWorker = startWorker('workflow');
      return stack.workflowWorker;
    },
    modelServerUrl: scripted.url,
    async stopModelServer() {
      await scripted?.close();
      scripted = null;
    },
    async startModelServer() {
      scripted ??= await startScriptedModelServer({ scripts, port: modelServerPort, log: () => undefined });
    },
    async restartServer() {
      await server.stop();
      server = await startDevServer({ binary, dataDir, dbFile, port: server.port, uiPort: server.uiPort });
      stack.server = server;
    },
    kisystem(args, extraEnv = {}, timeoutMs = 240_000) {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/kisystem'), ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout!.on('data', (d: Buffer) => (out += d));
        child.stderr!.on('data', (d: Buffer) => (out += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', (code) => {
          clearTimeout(timer);
          resolve({ code, out });
        });
      });
    },
    async stop() {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all([...children].map((c) => waitExit(c, 15000)));
      await connection.close().catch(() => undefined);
      await scripted?.close();
      await server.stop();
      await db.destroy();
      await dropDatabase(databaseUrl);
      rmSync(dataDir, { recursive: true, force: true }); // no /tmp/kisystem-it-* left behind
    },
  };
  try {
    await Promise.all([workerReady(gpuWorker, 'gpu', logs), workerReady(workflowWorker, 'workflow', logs)]);
  } catch (error) {
    await stack.stop();
    throw error;
  }
  return stack;
}
