/**
 * The bubblewrap sandbox every step that touches model code runs in (build, test, benchmark,
 * profile): new user, PID, network, IPC, UTS, mount and cgroup namespaces (`--unshare-all`: no
 * network at all), no capabilities, `--die-with-parent`, `--new-session`, a read-only view of only
 * `/usr` (plus the `/lib`, `/lib64`, `/bin`, `/sbin` links), the few `/etc` files the toolchain
 * reads, the CUDA install and the NVIDIA device nodes when present, a private size-limited `/tmp`,
 * a fresh `/proc` and a minimal `/dev`. The run folder (mounted at the same path) is the only
 * writable place. The environment is built from nothing: bwrap itself is spawned with a minimal
 * environment (so `/proc/1/environ` inside holds nothing of the worker's) and `--clearenv`.
 *
 * What it does NOT protect against: kernel exploits (the namespaces share the host kernel), GPU
 * side channels and GPU memory of other processes on the same device, and reading what is under
 * the read-only binds (`/usr`, the CUDA install: public software, no secrets).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { promisify } from 'node:util';
import { runAsArgs, type SandboxUser } from './sandbox-user';

const run = promisify(execFile);

export type SandboxKind = 'bubblewrap' | 'none';

export interface SandboxSettings {
  kind: SandboxKind;
  /** The bwrap binary (config `sandbox.bwrap_path`, or KISYSTEM_BWRAP). */
  bwrapPath: string;
  /** The host user bwrap and everything in it run as (activities/sandbox-user.ts); null: the worker's own, never root. */
  runAs: SandboxUser | null;
}

/** The user and group the sandboxed program sees (mapped to `runAs`, or the worker's own user, outside). */
export const SANDBOX_UID = 1000;

/** What a sandboxed program may see besides the run folder (absolute host paths, bound read-only). */
export interface SandboxView {
  /** The writable run folder, bound at the same path. */
  writable: string;
  /** Further read-only folders (a trusted checker's folder, never writable by the candidate). */
  readOnly?: readonly string[];
  /** Bind the NVIDIA device nodes and /sys read-only (CUDA runs and profiles). */
  gpu: boolean;
  /** Size of the private /tmp in MB. */
  tmpMb: number;
  /** TMPDIR (default /tmp): a folder in the run folder makes temporaries count against its disk limit. */
  tmpDir?: string;
  /** The step's own variables ({@link stepVariables}); nothing else reaches the program. */
  env: StepVariables;
}

/** The only variables a step hands a sandboxed program besides PATH, HOME, TMPDIR and LANG: the seed (tasks without a checker read it). */
export type StepVariables = {
  KISYSTEM_SEED?: string;
};

/**
 * The one place a sandboxed step's variables come from, whatever the caller passed (a whole
 * worker environment included): only the step's own names survive, never a worker variable.
 */
export function stepVariables(env: Readonly<Record<string, string | undefined>> | undefined): StepVariables {
  const seed = env?.KISYSTEM_SEED;
  return seed === undefined ? {} : { KISYSTEM_SEED: seed };
}

/** The environment bwrap itself is started with: nothing of the worker's. */
export const BWRAP_SPAWN_ENV: Readonly<Record<string, string>> = Object.freeze({ PATH: '/usr/bin:/bin', LANG: 'C' });

/** PATH inside the sandbox: the system and, when bound, the CUDA install. */
export function sandboxPath(cudaRoots: readonly string[]): string {
  return [...cudaRoots.map((r) => `${r}/bin`), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
}

/**
 * /etc files compilers and the dynamic loader read; each bound only when it exists on the host.
 * Debian's nvidia-cuda-toolkit links its nvcc.profile to /etc/nvcc.profile: without it nvcc finds
 * neither its own tools nor the g++ it supports.
 */
const ETC_FILES = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime', '/etc/nsswitch.conf', '/etc/nvcc.profile'];

/** Where CUDA installs live (the toolkit's `bin/nvcc`, libraries, headers); only existing ones are bound. */
export function cudaInstallRoots(): string[] {
  const roots = new Set<string>();
  const candidates = ['/usr/local/cuda', '/opt/cuda', '/opt/nvidia'];
  try {
    for (const name of readdirSync('/usr/local')) if (/^cuda/.test(name)) candidates.push(`/usr/local/${name}`);
  } catch {
    // no /usr/local
  }
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    roots.add(c);
    try {
      roots.add(realpathSync(c)); // /usr/local/cuda -> /usr/local/cuda-12.x: both paths must resolve inside
    } catch {
      // dangling link
    }
  }
  return [...roots].filter((r) => !r.startsWith('/usr/') || r.startsWith('/usr/local/'));
}

/** NVIDIA device nodes: /dev/nvidia0.., nvidiactl, nvidia-uvm, nvidia-uvm-tools, nvidia-modeset, /dev/nvidia-caps. */
export function nvidiaDevices(): string[] {
  try {
    return readdirSync('/dev')
      .filter((n) => n.startsWith('nvidia'))
      .map((n) => `/dev/${n}`);
  } catch {
    return [];
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * bwrap's argument array (without the program): everything is built from an empty root. Pure apart
 * from looking at which host paths exist.
 */
export function bwrapArgs(bwrapPath: string, view: SandboxView, cwd: string): string[] {
  const args = [bwrapPath, '--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
  args.push('--uid', String(SANDBOX_UID), '--gid', String(SANDBOX_UID), '--hostname', 'sandbox');
  args.push('--ro-bind', '/usr', '/usr');
  for (const [link, target] of [
    ['/lib', 'usr/lib'],
    ['/lib64', 'usr/lib64'],
    ['/bin', 'usr/bin'],
    ['/sbin', 'usr/sbin'],
    ['/lib32', 'usr/lib32'],
  ] as const) {
    if (!existsSync(link)) continue;
    // Merged-/usr hosts have links; older hosts have real folders, bound read-only instead.
    if (isDir(link) && realpathSync(link) === link) args.push('--ro-bind', link, link);
    else args.push('--symlink', target, link);
  }
  for (const file of ETC_FILES) if (existsSync(file)) args.push('--ro-bind', file, file);
  const cuda = cudaInstallRoots();
  for (const root of cuda) if (!root.startsWith('/usr/')) args.push('--ro-bind', root, root);
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(view.tmpMb * 1024 * 1024), '--tmpfs', '/tmp');
  if (view.gpu) {
    for (const dev of nvidiaDevices()) args.push('--dev-bind', dev, dev);
    // The CUDA driver reads PCI and NUMA topology under /sys; ncu reads the GPU's sysfs nodes.
    if (existsSync('/sys')) args.push('--ro-bind', '/sys', '/sys');
    // ... but not the host's cgroups: their folder names every run on the host (a program could tell a benchmark from a test).
    if (existsSync('/sys/fs/cgroup')) args.push('--tmpfs', '/sys/fs/cgroup', '--remount-ro', '/sys/fs/cgroup');
  }
  for (const folder of view.readOnly ?? []) args.push('--ro-bind', folder, folder);
  args.push('--bind', view.writable, view.writable);
  // The root bwrap builds is a tmpfs: read-only, so the run folder and /tmp are the only writable places.
  args.push('--remount-ro', '/');
  args.push('--chdir', cwd, '--clearenv');
  const env: Record<string, string> = { PATH: sandboxPath(cuda), HOME: '/tmp', TMPDIR: view.tmpDir ?? '/tmp', LANG: 'C', ...stepVariables(view.env) };
  for (const [key, value] of Object.entries(env)) args.push('--setenv', key, value);
  args.push('--');
  return args;
}

export interface SandboxProbe {
  ok: boolean;
  /** What failed and how to fix it, when not ok. */
  problem: string | null;
  version: string | null;
}

/**
 * Whether bubblewrap runs here: starts `true` in a sandbox built exactly like a real run's. Never
 * throws. A missing binary, a host that forbids user namespaces or an old bwrap come back as a
 * problem text that says how to fix it.
 */
export async function probeSandbox(bwrapPath: string, workFolder: string, runAs: SandboxUser | null = null): Promise<SandboxProbe> {
  let version: string | null = null;
  try {
    version = (await run(bwrapPath, ['--version'], { env: BWRAP_SPAWN_ENV, timeout: 10000 })).stdout.trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      version: null,
      problem:
        code === 'ENOENT'
          ? `bubblewrap (${bwrapPath}) is not installed: install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap), or set sandbox.kind to "none" in the config to run model code unsandboxed`
          : `bubblewrap (${bwrapPath}) cannot be started: ${(error as Error).message}`,
    };
  }
  try {
    const args = [...runAsArgs(runAs), ...bwrapArgs(bwrapPath, { writable: workFolder, gpu: false, tmpMb: 8, env: {} }, workFolder)];
    await run(args[0]!, [...args.slice(1), 'true'], { env: BWRAP_SPAWN_ENV, timeout: 20000 });
    return { ok: true, problem: null, version };
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    if (runAs && /Permission denied|No such file/.test(stderr)) {
      return {
        ok: false,
        version,
        problem: `bubblewrap, started as the sandbox user "${runAs.name}" (uid ${runAs.uid}), cannot reach the work folder ${workFolder}: ${stderr}. Every folder above it must be searchable by that user (mode o+x), or set KISYSTEM_WORK_DIR to a folder that is`,
      };
    }
    return {
      ok: false,
      version,
      problem:
        `bubblewrap (${version}) cannot create its namespaces here: ${stderr}. Allow user namespaces ` +
        '(sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0 ' +
        'or an AppArmor profile for bwrap; in a container: --security-opt seccomp=unconfined --security-opt apparmor=unconfined, ' +
        'or run it privileged, see docs/docker.md), or set sandbox.kind to "none" in the config to run model code unsandboxed',
    };
  }
}
