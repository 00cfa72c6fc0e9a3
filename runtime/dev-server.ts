/**
 * The local Temporal server: the CLI's dev server with an on-disk database (runs survive restarts),
 * the Web UI, and kisystem's search attributes registered at start.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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

/** The lowest port {@link freePort} hands out. */
const LOWEST_CHOSEN_PORT = 10000;

/**
 * The kernel's ephemeral port range (outgoing connections and `listen(0)` take ports from it, the
 * dev server's internal services among them), from /proc; Linux's default where it cannot be read.
 */
function ephemeralPorts(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (low && high && low <= high) return [low, high];
  } catch {
    // not Linux
  }
  return [32768, 60999];
}

/**
 * A TCP port free on 127.0.0.1 now, chosen at random below the kernel's ephemeral range with room
 * for a Web UI at port + 1000 there too: no outgoing connection or `listen(0)` of another process
 * can take it before the server binds it (only another chooser like this one, by a rare chance,
 * which a start that loses the race survives by choosing again). `maxPort` caps the choice further.
 */
export async function freePort(maxPort = 65535): Promise<number> {
  const [ephemeralLow, ephemeralHigh] = ephemeralPorts();
  let [low, high] = [LOWEST_CHOSEN_PORT, Math.min(maxPort, ephemeralLow - 1 - 1000)];
  if (high - low < 1000) [low, high] = [Math.max(ephemeralHigh + 1, LOWEST_CHOSEN_PORT), Math.min(maxPort, 65535 - 1000)];
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (await canListen(port)) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
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
  /**
   * The gRPC port to keep (a user's configured address; a restart that workers already point at);
   * omitted: chosen here with {@link freePort}, and chosen again when a start loses it.
   */
  port?: number;
  /** The Web UI's port to keep; omitted: port + 1000 for a kept port, else chosen like the gRPC port. */
  uiPort?: number;
  /** Default: `<dataDir>/temporal.db`. */
  dbFile?: string;
  /** Chooses each port not given (default {@link freePort}); tests hand out a taken one to show the retry. */
  choosePort?: () => Promise<number>;
  /** false: kisystem's search attributes are not registered (a server as a team may run it). Default true. */
  searchAttributes?: boolean;
}

export interface DevServer {
  process: ChildProcess;
  address: string;
  port: number;
  uiPort: number;
  uiUrl: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts that lose a port to another process are retried this often, with new ports where they are ours to choose. */
const START_ATTEMPTS = 5;
/** What the CLI prints once every service of the dev server is up (its frontend among them). */
const STARTED_LINE = /^Server:\s/m;
const PORT_TAKEN = /address already in use/;

/**
 * Starts the CLI's dev server on ports chosen here: gRPC and Web UI (unless given), and the HTTP API
 * and metrics ports, which the CLI would otherwise pick itself (free when it looks, maybe taken when
 * it binds). A start that fails because a port was taken meanwhile is retried with new ports.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  mkdirSync(options.dataDir, { recursive: true });
  const logFile = join(options.dataDir, 'temporal-server.log');
  const choose = options.choosePort ?? (() => freePort());
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await choose());
    const uiPort = options.uiPort ?? (options.port !== undefined ? options.port + 1000 : await choose());
    const started = await startOnce(options, logFile, { port, uiPort, httpPort: await choose(), metricsPort: await choose() });
    if ('server' in started) return started.server;
    if (!started.portTaken || attempt >= START_ATTEMPTS) {
      throw new Error(`the Temporal dev server exited at start${started.portTaken ? ` ${attempt} times, a port taken each time` : ''}: ${started.why}; see ${logFile}`);
    }
  }
}

interface Ports {
  port: number;
  uiPort: number;
  httpPort: number;
  metricsPort: number;
}

async function startOnce(options: DevServerOptions, logFile: string, ports: Ports): Promise<{ server: DevServer } | { portTaken: boolean; why: string }> {
  const dbFile = options.dbFile ?? join(options.dataDir, 'temporal.db');
  const log = openSync(logFile, 'a');
  const logStart = fstatSync(log).size;
  const child = spawn(
    options.binary,
    [
      'server', 'start-dev',
      '--db-filename', dbFile,
      '--ip', '127.0.0.1',
      '--port', String(ports.port),
      '--ui-port', String(ports.uiPort),
      '--http-port', String(ports.httpPort),
      '--metrics-port', String(ports.metricsPort),
      '--log-level', 'warn',
      ...(options.searchAttributes === false ? [] : searchAttributeFlags()),
    ],
    { stdio: ['ignore', log, log], detached: true },
  );
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));
  const output = () => readFileSync(logFile, 'utf8').slice(logStart);
  // Up when the CLI says so and both of its ports answer; an exit before that is a failed start.
  while (!exited && !(STARTED_LINE.test(output()) && (await isListening('127.0.0.1', ports.port)) && (await isListening('127.0.0.1', ports.uiPort)))) {
    await Promise.race([exit, new Promise((r) => setTimeout(r, 100))]);
  }
  if (exited) {
    const text = output();
    const lines = text.trim().split('\n');
    return { portTaken: PORT_TAKEN.test(text), why: lines.find((l) => PORT_TAKEN.test(l)) ?? lines.slice(-3).join(' | ') };
  }
  return {
    server: {
      process: child,
      address: `127.0.0.1:${ports.port}`,
      port: ports.port,
      uiPort: ports.uiPort,
      uiUrl: `http://localhost:${ports.uiPort}`,
      logFile,
      async stop() {
        if (exited) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exit;
        clearTimeout(killer);
      },
    },
  };
}
