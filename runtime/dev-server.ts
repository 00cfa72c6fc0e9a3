/**
 * The local Temporal server: the CLI's dev server with an on-disk database (runs survive restarts),
 * the Web UI, and kisystem's search attributes registered at start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { searchAttributeFlags } from '../contracts/search-attributes';
import { PROJECT_ROOT } from './settings';

/** Finds `temporal` (TEMPORAL_CLI, the project's .tools/bin, PATH) or builds the pinned CLI with `go install`. */
export function findOrInstallTemporalCli(): string {
  const script = join(PROJECT_ROOT, 'scripts/install-temporal.sh');
  const result = spawnSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const path = result.stdout.trim().split('\n').pop();
  if (result.status !== 0 || !path) throw new Error(`cannot find or install the Temporal CLI (${script} exited ${result.status})`);
  return path;
}

/** A TCP port free on 127.0.0.1 now, at most `maxPort` (callers that put the Web UI at port + 1000 pass 64000). */
export async function freePort(maxPort = 65535): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port > 0 && port <= maxPort) return port;
  }
}

/** Resolves when something listens on host:port, or rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await isListening(host, port)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function isListening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface DevServerOptions {
  binary: string;
  dataDir: string;
  port: number;
  uiPort: number;
  /** Default: `<dataDir>/temporal.db`. */
  dbFile?: string;
}

export interface DevServer {
  process: ChildProcess;
  address: string;
  uiUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const dbFile = options.dbFile ?? join(options.dataDir, 'temporal.db');
  const logFile = join(options.dataDir, 'temporal-server.log');
  const log = openSync(logFile, 'a');
  const child = spawn(
    options.binary,
    [
      'server', 'start-dev',
      '--db-filename', dbFile,
      '--ip', '127.0.0.1',
      '--port', String(options.port),
      '--ui-port', String(options.uiPort),
      '--log-level', 'warn',
      ...searchAttributeFlags(),
    ],
    { stdio: ['ignore', log, log], detached: true },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const early = exited.then(() => {
    throw new Error(`the Temporal dev server exited at start; see ${logFile}`);
  });
  await Promise.race([waitForPort('127.0.0.1', options.port, 60000), early]);
  early.catch(() => undefined);
  return {
    process: child,
    address: `127.0.0.1:${options.port}`,
    uiUrl: `http://localhost:${options.uiPort}`,
    logFile,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(killer);
    },
  };
}
