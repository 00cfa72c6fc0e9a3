/** What a GPU/build host has: compilers, GPUs, profilers. Checked once when the worker starts. */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { settingsFromEnv } from '../runtime/settings';

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
  /**
   * true only when `nsys` is installed AND wrote a report in a probe (the H200 we test on has an nsys
   * that cannot write reports). The probe (up to 60 s) runs only when a
   * task asks for nsys (`ensureNsysProbed`), never at worker start: false until then.
   */
  nsysWorks: boolean;
  /** Whether `nsysWorks` comes from a probe yet (probed on demand). */
  nsysProbed?: boolean;
}

const nsysProbes = new WeakMap<HostCapabilities, Promise<boolean>>();

/** Probes nsys once per host, the first time a task asks for it; sets `nsysWorks` and `nsysProbed`. */
export async function ensureNsysProbed(c: HostCapabilities): Promise<boolean> {
  let probe = nsysProbes.get(c);
  if (!probe) {
    probe = probeNsys().then((works) => {
      c.nsysWorks = works;
      c.nsysProbed = true;
      return works;
    });
    nsysProbes.set(c, probe);
  }
  return probe;
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

async function firstLineAll(program: string, args: string[]): Promise<string[]> {
  try {
    const { stdout } = await run(program, args, { timeout: 15000 });
    return stdout.trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Whether Nsight Systems works here: `nsys --version` answers, and `nsys profile` of a trivial
 * program (`true`) writes a report file. Never throws; false on any failure.
 */
export async function probeNsys(): Promise<boolean> {
  if ((await firstLine('nsys', ['--version'])) === null) return false;
  const folder = mkdtempSync(join(tmpdir(), 'kisystem-nsys-probe-'));
  try {
    const out = join(folder, 'probe');
    await run('nsys', ['profile', '--force-overwrite=true', '-o', out, 'true'], { timeout: 60000 });
    return existsSync(`${out}.nsys-rep`) || existsSync(`${out}.qdrep`);
  } catch {
    return false;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export function hostQueueName(baseQueue: string, hostId: string): string {
  return `${baseQueue}@${hostId}`;
}

export async function detectHost(baseQueue: string, env: NodeJS.ProcessEnv = process.env): Promise<HostCapabilities> {
  const hostId = (settingsFromEnv(env).hostId ?? hostname()).replace(/[^A-Za-z0-9_.-]/g, '-');
  const [gxx, nvcc, gpus, ncu] = await Promise.all([
    firstLine('g++', ['--version']),
    firstLine('nvcc', ['--version']).then((v) => (v === null ? null : 'nvcc')),
    queryGpus(),
    firstLine('ncu', ['--version']),
  ]);
  // nsys is probed when a task asks for it (ensureNsysProbed), not here: the probe can take 60 s.
  return { hostId, hostQueue: hostQueueName(baseQueue, hostId), gxx, nvcc, gpus, ncu, nsysWorks: false, nsysProbed: false };
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
    `nsys: ${c.nsysProbed === false ? 'probed when a task asks for it' : c.nsysWorks ? 'works' : 'missing or cannot write reports'}`,
  ].join('; ');
}
