/**
 * The production-shaped stack of a multi-host run: the Temporal release on PostgreSQL (a private
 * instance, so a fault run may restart it; or databases of its own on a given server), the learning
 * history there too, the scripted model server answering real-size C++ tasks, one workflow worker and
 * several GPU workers (hosts) with the gated compiler first on their PATH. Everything it starts, it stops.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { dropDatabase, prepareDatabase } from '../db/database';
import type { Database } from '../db/tables';
import { startScriptedModelServer, type ScriptedModelServer } from '../scripted-model-server/server';
import { freePorts, launchServer, prepareNamespace, setUpSchema, type ProductionServerOptions, type ServerProcess } from '../runtime/production-server';
import { ensureServerPrograms } from '../runtime/temporal-binaries';
import { PROJECT_ROOT } from '../runtime/settings';
import { makeGate, type Gate } from './gated-compiler';
import { startHostFleet, type HostFleet } from './host-fleet';
import { makeLoadTasks, type LoadTaskSet } from './load-tasks';
import { startPrivatePostgres, type PrivatePostgres } from './private-postgres';

export interface HostLoadStackOptions {
  hosts: number;
  tasks: number;
  /** 0-based queue index of the gated task, or null for none. */
  gatedIndex: number | null;
  /** Build slots per host (max_concurrent_builds); the queue runs hosts x slots tasks at once. */
  slots: number;
  /** 'private': an initdb'd PostgreSQL of its own (restartable); else the server of DATABASE_URL-like `postgres://user@host:port`. */
  postgres: 'private' | { host: string; port: number; user: string };
  /** Config overrides (merged over config/optimization_config.json). */
  config?: Record<string, unknown>;
  log: (line: string) => void;
}

export interface HostLoadStack {
  env: NodeJS.ProcessEnv;
  configPath: string;
  client: Client;
  db: Kysely<Database>;
  fleet: HostFleet;
  gate: Gate;
  tasks: LoadTaskSet;
  pg: PrivatePostgres | null;
  server: ServerProcess;
  /** SIGKILL of the Temporal server, then the same server started again; resolves once it serves (ms it took). */
  killAndRestartServer(): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

const suffix = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export async function startHostLoadStack(o: HostLoadStackOptions): Promise<HostLoadStack> {
  const root = mkdtempSync(join(tmpdir(), 'kisystem-hosts-'));
  // The hosts' work folders are under it: the sandbox user must pass through (mkdtemp makes it 0700).
  chmodSync(root, 0o711);
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(root, { recursive: true, force: true })];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  };
  try {
    const pg = o.postgres === 'private' ? await startPrivatePostgres() : null;
    if (pg) cleanups.push(() => pg.stop());
    const server = o.postgres === 'private' ? { host: '127.0.0.1', port: pg!.port, user: 'postgres' } : o.postgres;
    const id = suffix();
    const databases = { persistence: `kis_hosts_${id}_t`, visibility: `kis_hosts_${id}_v` };
    const urlOf = (db: string) => `postgres://${server.user}@${server.host}:${server.port}/${db}`;
    if (!pg) cleanups.push(async () => {
      for (const db of [databases.persistence, databases.visibility]) await dropDatabase(urlOf(db));
    });
    const options: ProductionServerOptions = {
      programs: await ensureServerPrograms(o.log),
      postgres: { ...server, password: '' },
      databases,
      dataDir: join(root, 'temporal'),
      ports: await freePorts(),
      namespace: 'default',
      log: o.log,
    };
    await setUpSchema(options);
    let temporal = await launchServer(options);
    cleanups.push(() => temporal.stop());
    await prepareNamespace(temporal.address, options.namespace, o.log);

    const learningUrl = urlOf(`kis_hosts_${id}_k`);
    const db = await prepareDatabase(learningUrl);
    cleanups.push(async () => {
      await db.destroy();
      if (!pg) await dropDatabase(learningUrl);
    });

    const tasks = makeLoadTasks(join(root, 'tasks'), o.tasks, o.gatedIndex);
    const scripted: ScriptedModelServer = await startScriptedModelServer({ scripts: tasks.scripts, log: () => undefined });
    cleanups.push(() => scripted.close());

    const base = JSON.parse(readFileSync(join(PROJECT_ROOT, 'config/optimization_config.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const overrides = o.config ?? {};
    const config = {
      ...base,
      ...overrides,
      max_concurrent_builds: o.slots,
      // The gated compiler sits on the workers' PATH, which the sandbox does not carry in; the
      // sandbox's own cost is measured apart (docs/benchmarks.md).
      sandbox: { ...base.sandbox, kind: 'none' },
      queue: { ...base.queue, ...(overrides.queue as object | undefined), max_running: o.hosts * o.slots, ordering: 'fifo' },
    };
    const configPath = join(root, 'config.json');
    writeFileSync(configPath, JSON.stringify(config, null, 2));

    const queue = `hosts-${id}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: options.namespace,
      DATABASE_URL: learningUrl,
      OLLAMA_HOST: scripted.url,
      KISYSTEM_TASK_QUEUE: queue,
      KISYSTEM_GPU_QUEUE: `${queue}-gpu`,
      KISYSTEM_CONFIG: configPath,
      KISYSTEM_DATA_DIR: join(root, 'data'),
    };
    const gate = makeGate(root);
    const hostIds = Array.from({ length: o.hosts }, (_, i) => `host-${String.fromCharCode(97 + i)}`);
    const fleet = await startHostFleet(env, hostIds, join(root, 'hosts'), { PATH: `${gate.binDir}:${process.env.PATH}`, KISYSTEM_GATE_DIR: gate.dir });
    cleanups.push(() => fleet.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const stack: HostLoadStack = {
      env,
      configPath,
      client: new Client({ connection, namespace: options.namespace }),
      db,
      fleet,
      gate,
      tasks,
      pg,
      server: temporal,
      async killAndRestartServer() {
        const killedAt = Date.now();
        temporal.process.kill('SIGKILL');
        await new Promise((r) => (temporal.process.exitCode !== null || temporal.process.signalCode !== null ? r(null) : temporal.process.once('exit', r)));
        temporal = await launchServer(options);
        stack.server = temporal;
        return { downMs: Date.now() - killedAt };
      },
      stop: stopAll,
    };
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}
