/**
 * One workflow worker and several GPU workers ("hosts") as real processes, each host with its own
 * KISYSTEM_HOST_ID and work folder, for load and host-loss runs. A host is killed as a machine dies:
 * SIGKILL to its worker and to every process it started (builds run in process groups of their own).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { killLeftovers, newWorkerMarker, WORKER_MARKER } from '../client/leftovers';
import { PROJECT_ROOT } from '../runtime/settings';

export interface FleetProcess {
  name: string;
  child: ChildProcess;
  marker: string;
  exited: Promise<void>;
}

export interface HostFleet {
  hosts: string[];
  /** Output lines of every worker so far, prefixed with its name (for failure messages). */
  logs: string[];
  /** SIGKILL of the host's worker and everything it started; the host is not restarted. */
  killHost(host: string): number[];
  alive(host: string): boolean;
  stop(): Promise<void>;
}

function spawnWorker(kind: 'workflow' | 'gpu', name: string, env: NodeJS.ProcessEnv, logs: string[], ready: RegExp): Promise<FleetProcess> {
  const marker = newWorkerMarker(name);
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/workers', `${kind}-worker.js`)], { env: { ...env, [WORKER_MARKER]: marker }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 120 s:\n${logs.filter((l) => l.startsWith(`[${name}`)).join('')}`)), 120_000);
    const take = (chunk: Buffer, mark: string) => {
      const text = chunk.toString();
      logs.push(`[${name}${mark}] ${text}`);
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve({ name, child, marker, exited });
      }
    };
    child.stdout!.on('data', (c: Buffer) => take(c, ''));
    child.stderr!.on('data', (c: Buffer) => take(c, '!'));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited at start (${code}):\n${logs.filter((l) => l.startsWith(`[${name}`)).join('')}`));
    });
  });
}

/** Starts the workflow worker and `hostIds.length` GPU workers with `env` (TEMPORAL_ADDRESS, queues, DATABASE_URL ...). */
export async function startHostFleet(env: NodeJS.ProcessEnv, hostIds: readonly string[], workRoot: string, hostEnv: NodeJS.ProcessEnv = {}): Promise<HostFleet> {
  const logs: string[] = [];
  const started: FleetProcess[] = [];
  const byHost = new Map<string, FleetProcess>();
  try {
    started.push(await spawnWorker('workflow', 'workflow-worker', env, logs, /kisystem workflow worker: queue/));
    const hosts = await Promise.all(hostIds.map((host) => {
      const work = join(workRoot, host);
      mkdirSync(work, { recursive: true });
      return spawnWorker('gpu', host, { ...env, ...hostEnv, KISYSTEM_HOST_ID: host, KISYSTEM_WORK_DIR: work, KISYSTEM_DATA_DIR: work }, logs, /kisystem gpu worker: queues/);
    }));
    hosts.forEach((p, i) => byHost.set(hostIds[i]!, p));
    started.push(...hosts);
  } catch (error) {
    for (const p of started) p.child.kill('SIGKILL');
    throw error;
  }
  return {
    hosts: [...hostIds],
    logs,
    killHost(host) {
      const p = byHost.get(host);
      if (!p) throw new Error(`no host ${host} in this fleet`);
      p.child.kill('SIGKILL');
      return killLeftovers(p.marker);
    },
    alive(host) {
      const p = byHost.get(host);
      return !!p && p.child.exitCode === null && p.child.signalCode === null;
    },
    async stop() {
      for (const p of started) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await Promise.all(started.map((p) => Promise.race([p.exited, new Promise((r) => setTimeout(r, 15_000))])));
      for (const p of started) {
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
        killLeftovers(p.marker);
      }
    },
  };
}
