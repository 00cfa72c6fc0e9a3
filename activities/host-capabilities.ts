/** What a GPU/build host has: compilers, GPUs, profilers. Checked once when the worker starts. */
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import { promisify } from 'node:util';

import { settingsFromEnv } from '../runtime/settings';
import { probeNsys, type NsysProbe } from './nsys-probe';

const run = promisify(execFile);

export interface GpuInfo {
  name: string;
  /** For instance "9.0" on an H200. */
  computeCapability: string;
}

export interface HostCapabilities {
  /** Stable id of this host (KISYSTEM_HOST_ID or the host name). */
  hostId: string;
  /** The task queue only this host polls: a candidate's build and test run there. */
  hostQueue: string;
  gxx: string | null;
  nvcc: string | null;
  gpus: GpuInfo[];
  ncu: string | null;
  /** `valgrind --version` (cachegrind: tier 1 of C++ tasks); absent where not detected. */
  valgrind?: string | null;
  /**
   * true only when `nsys` is installed AND wrote a report in a probe (the H200 we test on has an nsys
   * that cannot write reports: ../shared/fixtures/README.md). The probe (its own time limit, activities/nsys-probe.ts) runs only when a
   * task asks for nsys (`ensureNsysProbed`), never at worker start: false until then.
   */
  nsysWorks: boolean;
  /** Whether `nsysWorks` comes from a probe yet (probed on demand). */
  nsysProbed?: boolean;
  /** Why nsys does not work here, from the probe (missing, no report, past the probe's time limit). */
  nsysWhy?: string;
}

const nsysProbes = new WeakMap<HostCapabilities, Promise<boolean>>();

/**
 * Probes nsys once per host, the first time a task asks for it; sets `nsysWorks`, `nsysWhy` and
 * `nsysProbed`. `probe` is the real one (activities/nsys-probe.ts) unless a test injects its own.
 */
export async function ensureNsysProbed(c: HostCapabilities, probe: NsysProbe = () => probeNsys()): Promise<boolean> {
  let probed = nsysProbes.get(c);
  if (!probed) {
    probed = probe().then(({ works, why }) => {
      c.nsysWorks = works;
      c.nsysWhy = why;
      c.nsysProbed = true;
      return works;
    });
    nsysProbes.set(c, probed);
  }
  return probed;
}

async function firstLine(program: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run(program, args, { timeout: 15000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return null;
  }
}

async function queryGpus(): Promise<GpuInfo[]> {
  const out = await firstLineAll('nvidia-smi', ['--query-gpu=name,compute_cap', '--format=csv,noheader']);
  return out
    .map((line) => line.split(',').map((s) => s.trim()))
    .filter((parts) => parts.length === 2 && parts[0])
    .map(([name, computeCapability]) => ({ name: name!, computeCapability: computeCapability! }));
}

/**
 * Whether the host's GPUs answer the driver right now (nvidia-smi lists at least one): what the
 * worker observes itself, so a failed CUDA run is blamed on the host only when this is false.
 */
export async function gpusRespond(): Promise<boolean> {
  return (await queryGpus()).length > 0;
}

async function firstLineAll(program: string, args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run(program, args, { timeout: 15000 });
    return stdout.trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

export function hostQueueName(baseQueue: string, hostId: string): string {
  return `${baseQueue}@${hostId}`;
}

export async function detectHost(baseQueue: string, env: NodeJS.ProcessEnv = process.env): Promise<HostCapabilities> {
  const hostId = (settingsFromEnv(env).hostId ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '-');
  const [gxx, nvcc, gpus, ncu, valgrind] = await Promise.all([
    firstLine('g++', ['--version']),
    firstLine('nvcc', ['--version']).then((v) => (v === null ? null : 'nvcc')),
    queryGpus(),
    firstLine('ncu', ['--version']),
    firstLine('valgrind', ['--version']),
  ]);
  // nsys is probed when a task asks for it (ensureNsysProbed), not here: the probe can take 60 s.
  return { hostId, hostQueue: hostQueueName(baseQueue, hostId), gxx, nvcc, gpus, ncu, valgrind, nsysWorks: false, nsysProbed: false };
}

/** `-arch=sm_XY` for the first GPU, when the task's flags do not already choose one. */
export function archFlags(capabilities: Pick<HostCapabilities, 'gpus'>, taskFlags: readonly string[]): string[] {
  const chosen = taskFlags.some((f) => f.startsWith('-arch') || f.startsWith('--gpu-architecture') || f.startsWith('-gencode'));
  const gpu = capabilities.gpus[0];
  if (chosen || !gpu) return [];
  return [`-arch=sm_${gpu.computeCapability.replace('.', '')}`];
}

export function describeHost(c: HostCapabilities): string {
  const gpus = c.gpus.length ? c.gpus.map((g) => `${g.name} (sm_${g.computeCapability.replace('.', '')})`).join(', ') : 'no GPU';
  return [
    `host ${c.hostId} (queue ${c.hostQueue})`,
    `g++: ${c.gxx ?? 'missing'}`,
    `nvcc: ${c.nvcc ? 'present' : 'missing'}`,
    `GPUs: ${gpus}`,
    `ncu: ${c.ncu ?? 'missing'}`,
    `valgrind (C++ tier 1): ${c.valgrind ?? 'missing'}`,
    `nsys: ${c.nsysProbed === false ? 'probed when a task asks for it' : c.nsysWorks ? 'works' : (c.nsysWhy ?? 'missing or cannot write reports')}`,
  ].join('; ');
}
