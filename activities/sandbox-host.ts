/**
 * The worker's sandbox, set up once at start: bubblewrap must work (else the worker refuses to
 * start, unless the config says `sandbox.kind: "none"`), and cgroups are used where the worker may
 * create them. `describeSandbox` is the line the worker logs: which limits are in force.
 */
import type { KisystemConfig } from '../policy/schemas/config-schema';
import type { HostSandbox } from './build-test';
import { describeCgroups, detectCgroups } from './sandbox-cgroup';
import { probeSandbox } from './sandbox';
import { resolveSandboxUser, SandboxUserError } from './sandbox-user';
import { chmodSync } from 'node:fs';

export class SandboxRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxRefusedError';
  }
}

/** The bwrap path: KISYSTEM_BWRAP, else config `sandbox.bwrap_path`. */
export function bwrapPathFor(config: Pick<KisystemConfig, 'sandbox'>, env: NodeJS.ProcessEnv = process.env): string {
  return env.KISYSTEM_BWRAP || config.sandbox.bwrap_path;
}

/** Sets up the host's sandbox, or throws SandboxRefusedError saying how to install bubblewrap. */
export async function setUpSandbox(config: Pick<KisystemConfig, 'sandbox'>, workRoot: string, env: NodeJS.ProcessEnv = process.env): Promise<HostSandbox> {
  const s = config.sandbox;
  const base = { disk_mb: s.disk_mb, build_memory_mb: s.build_memory_mb, cuda_memory_mb: s.cuda_memory_mb, max_processes: s.max_processes, max_file_mb: s.max_file_mb };
  const bwrapPath = bwrapPathFor(config, env);
  if (s.kind === 'none') return { ...base, settings: { kind: 'none', bwrapPath, runAs: null }, cgroups: null };
  let runAs;
  try {
    runAs = await resolveSandboxUser(s.run_as_user);
  } catch (error) {
    if (error instanceof SandboxUserError) throw new SandboxRefusedError(`kisystem gpu worker refuses to start: ${error.message}`);
    throw error;
  }
  // The sandbox user must pass through the work root to its run folders; listing it stays the worker's.
  if (runAs) chmodSync(workRoot, 0o711);
  const probe = await probeSandbox(bwrapPath, workRoot, runAs);
  if (!probe.ok) throw new SandboxRefusedError(`kisystem gpu worker refuses to start: ${probe.problem}`);
  const { mode } = detectCgroups(s.cgroup_root);
  return { ...base, settings: { kind: 'bubblewrap', bwrapPath, runAs }, cgroups: mode };
}

/** One line for the worker log: the sandbox and which limits are in force. */
export function describeSandbox(box: HostSandbox, config: Pick<KisystemConfig, 'sandbox'>): string {
  const s = config.sandbox;
  if (box.settings.kind === 'none') {
    return `UNSANDBOXED (sandbox.kind "none"): model code runs with the worker's rights, files, network and environment; only per-process limits (CPU ${s.cpu_seconds} s, file ${s.max_file_mb} MB, address space ${s.memory_mb} MB for C++)`;
  }
  const user = box.settings.runAs ? `as the unprivileged user ${box.settings.runAs.name} (uid ${box.settings.runAs.uid})` : "as the worker's own (unprivileged) user";
  const common = `bubblewrap (${box.settings.bwrapPath}) ${user}: no network, own PID/IPC/UTS/user namespaces, read-only /usr, run folder the only writable place; disk ${s.disk_mb} MB per run folder (polled) and /tmp; file ${s.max_file_mb} MB`;
  if (box.cgroups) {
    return `${common}; ${describeCgroups(box.cgroups)}: per run memory ${s.memory_mb} MB (C++ tests), ${s.cuda_memory_mb} MB (CUDA), ${s.build_memory_mb} MB (builds), ${s.max_processes} processes, CPU ${s.cpu_seconds} s over all processes`;
  }
  return `${common}; no writable cgroups, so per-process limits only: CPU ${s.cpu_seconds} s and address space ${s.memory_mb} MB per process (none for CUDA), no process-count limit beyond the PID namespace`;
}
