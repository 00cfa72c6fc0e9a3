/**
 * The production-shaped Temporal server without Docker: docker-compose.yml's services as local
 * processes. The release's temporal-sql-tool creates and upgrades Temporal's two databases on
 * PostgreSQL (temporal-admin-tools), the server runs on them with the compose file's dynamic config
 * (temporal), the namespace and kisystem's search attributes are registered (temporal-search-attributes),
 * and the Web UI server of the release serves the UI (temporal-ui). Every step is idempotent, so
 * starting again after an upgrade of TEMPORAL_RELEASE also migrates the schema.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { stringify } from 'yaml';
import { registerMissingSearchAttributes } from './search-attribute-registration';
import { freePort, waitForPort } from './dev-server';
import type { ServerPrograms } from './temporal-binaries';
import { TEMPORAL_RELEASE } from './temporal-release';
import { PROJECT_ROOT } from './settings';

export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** The server's PostgreSQL from a postgres:// URL (its database part is not used: Temporal has its own two). */
export function temporalPostgresFrom(url: string): TemporalPostgres {
  const u = new URL(url);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port) || 5432, user: decodeURIComponent(u.username) || 'postgres', password: decodeURIComponent(u.password) };
}

/** The ports of the server's four services; only the frontend's is for clients. */
export interface ServerPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  membership: { frontend: number; history: number; matching: number; worker: number };
}

/** Temporal's own port layout around a frontend port (7233 -> 7234 history, 7235 matching, 7239 worker, 6933.. membership). */
export function defaultPorts(frontend: number): ServerPorts {
  return {
    frontend,
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    membership: { frontend: frontend - 300, history: frontend - 299, matching: frontend - 298, worker: frontend - 294 },
  };
}

/**
 * A port free now below the kernel's ephemeral range: the server stores membership ports in a
 * smallint column (at most 32767), and no outgoing connection is given a port from there, so a
 * port found free stays free until the server binds it unless someone else picks it on purpose.
 */
export async function freeMembershipPort(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = 20000 + Math.floor(Math.random() * 12700);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port between 20000 and 32700 for the Temporal server\'s membership');
}

/** Every port free now: for tests and load runs next to other servers. */
export async function freePorts(): Promise<ServerPorts> {
  const p = async () => freePort();
  const taken = new Set<number>();
  const m = async () => {
    const port = await freeMembershipPort(taken);
    taken.add(port);
    return port;
  };
  return {
    frontend: await p(),
    frontendHttp: await p(),
    history: await p(),
    matching: await p(),
    worker: await p(),
    membership: { frontend: await m(), history: await m(), matching: await m(), worker: await m() },
  };
}

export interface ProductionServerOptions {
  programs: ServerPrograms;
  postgres: TemporalPostgres;
  databases: { persistence: string; visibility: string };
  /** Config and log files go here. */
  dataDir: string;
  ports: ServerPorts;
  /** Address the frontend listens on (127.0.0.1; 0.0.0.0 for workers on other machines, as compose's KISYSTEM_BIND). */
  bindAddress?: string;
  namespace: string;
  log: (line: string) => void;
}

function sqlToolArgs(o: ProductionServerOptions, database: string, ...command: string[]): string[] {
  return ['--plugin', TEMPORAL_RELEASE.sqlPlugin, '--ep', o.postgres.host, '-p', String(o.postgres.port), '-u', o.postgres.user, '--db', database, ...command];
}

function runTool(program: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`temporal-sql-tool ${args.join(' ')} exited ${code}: ${output.trim().split('\n').slice(-5).join(' | ')}`))));
  });
}

/**
 * temporal-sql-tool as docker/temporal-setup-schema.sh runs it: `create` (keeps an existing database),
 * `setup-schema -v 0.0` (keeps a newer recorded version), `update-schema` (applies only the missing versions).
 */
export async function setUpSchema(o: ProductionServerOptions): Promise<void> {
  // temporal-sql-tool reads the password from SQL_PASSWORD (kept off the command line).
  const env = { ...process.env, SQL_PASSWORD: o.postgres.password };
  const steps: [string, string][] = [
    [o.databases.persistence, join(o.programs.schemaDir, 'temporal', 'versioned')],
    [o.databases.visibility, join(o.programs.schemaDir, 'visibility', 'versioned')],
  ];
  for (const [database, versioned] of steps) {
    o.log(`Temporal schema: database ${database} on ${o.postgres.host}:${o.postgres.port} (${versioned})`);
    await runTool(o.programs.sqlTool, sqlToolArgs(o, database, 'create'), env);
    await runTool(o.programs.sqlTool, sqlToolArgs(o, database, 'setup-schema', '-v', '0.0'), env);
    await runTool(o.programs.sqlTool, sqlToolArgs(o, database, 'update-schema', '-d', versioned), env);
  }
}

/** The server's config file: Temporal's development-postgres12.yaml with these databases, ports and the compose file's dynamic config. */
export function serverConfig(o: Pick<ProductionServerOptions, 'postgres' | 'databases' | 'ports' | 'bindAddress'>): Record<string, unknown> {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: TEMPORAL_RELEASE.sqlPlugin,
      databaseName,
      connectAddr: `${o.postgres.host}:${o.postgres.port}`,
      connectProtocol: 'tcp',
      user: o.postgres.user,
      password: o.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const local = (grpcPort: number, membershipPort: number) => ({ rpc: { grpcPort, membershipPort, bindOnLocalHost: true } });
  const p = o.ports;
  const bind = o.bindAddress ?? '127.0.0.1';
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: TEMPORAL_RELEASE.historyShards,
      datastores: { 'postgres-default': store(o.databases.persistence, 20), 'postgres-visibility': store(o.databases.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: {
        rpc: {
          grpcPort: p.frontend,
          membershipPort: p.membership.frontend,
          httpPort: p.frontendHttp,
          ...(bind === '127.0.0.1' ? { bindOnLocalHost: true } : { bindOnIP: bind }),
        },
      },
      history: local(p.history, p.membership.history),
      matching: local(p.matching, p.membership.matching),
      worker: local(p.worker, p.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${p.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: join(PROJECT_ROOT, TEMPORAL_RELEASE.dynamicConfigFile), pollInterval: '60s' },
  };
}

export interface ServerProcess {
  process: ChildProcess;
  address: string;
  logFile: string;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

/** Spawns one long-lived program in its own process group, its output appended to `logFile`. */
function spawnService(program: string, args: string[], logFile: string, what: string): { child: ChildProcess; exited: Promise<void>; early: Promise<never>; stop(): Promise<void> } {
  const log = openSync(logFile, 'a');
  const child = spawn(program, args, { stdio: ['ignore', log, log], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const early = exited.then((): never => {
    const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
    throw new Error(`${what} exited at start (code ${child.exitCode}, signal ${child.signalCode}); ${logFile} ends:\n${tail}`);
  });
  early.catch(() => undefined);
  return {
    child,
    exited,
    early,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Writes the config and starts the server on a schema set up before; resolves once its frontend answers gRPC. */
export async function launchServer(o: ProductionServerOptions): Promise<ServerProcess> {
  const configDir = join(o.dataDir, 'temporal-config');
  mkdirSync(configDir, { recursive: true });
  writeFileSync(join(configDir, 'kisystem.yaml'), stringify(serverConfig(o)), { mode: 0o600 });
  const logFile = join(o.dataDir, 'temporal-server.log');
  const service = spawnService(o.programs.server, ['--root', '/', '--config', configDir, '--env', 'kisystem', '--allow-no-auth', 'start'], logFile, 'the Temporal server');
  const address = `127.0.0.1:${o.ports.frontend}`;
  try {
    await Promise.race([waitUntilServing(address, 180000), service.early]);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { process: service.child, address, logFile, stop: service.stop };
}

/** Resolves when the frontend answers a namespace call (the port opens before the services have joined). */
export async function waitUntilServing(address: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  await waitForPort(host, port, timeoutMs);
  for (;;) {
    let last: unknown;
    try {
      const connection = await Connection.connect({ address, connectTimeout: '3 seconds' });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'temporal-system' });
        return;
      } finally {
        await connection.close().catch(() => undefined);
      }
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`the Temporal server at ${address} did not answer within ${timeoutMs} ms: ${(last as Error)?.message}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Creates the namespace when missing and registers kisystem's search attributes (docker/temporal-register.sh). */
export async function prepareNamespace(address: string, namespace: string, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: '5 seconds' });
  try {
    const exists = await connection.workflowService.describeNamespace({ namespace }).then(() => true, () => false);
    if (!exists) {
      const hours = Number(TEMPORAL_RELEASE.namespaceRetention.replace(/h$/, ''));
      log(`Temporal: creating namespace ${namespace} (retention ${TEMPORAL_RELEASE.namespaceRetention})`);
      await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(`${hours} hours`) });
    }
    // A new namespace reaches the frontend's namespace cache within about 10 s.
    await retry(() => connection.workflowService.describeNamespace({ namespace }), 60000);
    const added = await retry(() => registerMissingSearchAttributes(connection, namespace), 60000);
    if (added.length) log(`Temporal: registered search attributes ${added.join(', ')} in ${namespace}`);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function retry<T>(step: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

export interface WebUiOptions {
  program: string;
  temporalAddress: string;
  port: number;
  namespace: string;
  dataDir: string;
  bindAddress?: string;
}

/** The Web UI server of the release (compose: temporal-ui), with the same settings as the container's. */
export async function startWebUi(o: WebUiOptions): Promise<ServerProcess> {
  const configDir = join(o.dataDir, 'temporal-ui-config');
  mkdirSync(configDir, { recursive: true });
  const url = `http://localhost:${o.port}`;
  writeFileSync(join(configDir, 'kisystem.yaml'), stringify({
    temporalGrpcAddress: o.temporalAddress,
    host: o.bindAddress ?? '127.0.0.1',
    port: o.port,
    enableUi: true,
    defaultNamespace: o.namespace,
    cors: { cookieInsecure: true, allowOrigins: [url] },
  }));
  const logFile = join(o.dataDir, 'temporal-ui.log');
  const service = spawnService(o.program, ['--root', '/', '--config', configDir, '--env', 'kisystem', 'start'], logFile, 'the Temporal Web UI server');
  try {
    await Promise.race([waitForPort('127.0.0.1', o.port, 60000), service.early]);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { process: service.child, address: url, logFile, stop: service.stop };
}
