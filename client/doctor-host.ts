/**
 * `kisystem doctor`, the host's part: compilers, GPU and profiler, the sandbox, and the disk space of
 * the runs folder. Each check says what it found and, for a problem, what to do.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';

/** One finding: `fail` blocks (kisystem cannot work), `warn` limits it (some tasks wait or run without a part). */
export interface Check {
  area: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What to do about a problem. */
  fix?: string;
}

/** Runs a program (argument array, no shell) and returns its first output line, or null when it cannot run. */
export function probe(command: string, args: string[], timeoutMs = 10_000): { ok: boolean; line: string; text: string } | null {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  const text = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.trim();
  const line = text.split('\n').find((l) => l.trim() !== '') ?? (result.error?.message ?? '');
  return { ok: result.status === 0, line: line.trim(), text };
}

export function checkCompilers(): Check[] {
  const gxx = probe('g++', ['--version']);
  const nvcc = probe('nvcc', ['--version']);
  const nvccLine = nvcc?.text.split('\n').find((l) => l.includes('release'))?.trim() ?? '';
  return [
    gxx?.ok
      ? { area: 'compiler g++', status: 'ok', detail: gxx.line }
      : { area: 'compiler g++', status: 'fail', detail: 'g++ not found', fix: 'install it: sudo apt-get install g++ (every C++ task and every CUDA host build needs it)' },
    nvcc?.ok
      ? { area: 'compiler nvcc', status: 'ok', detail: nvccLine || 'nvcc found' }
      : { area: 'compiler nvcc', status: 'warn', detail: 'nvcc not found: CUDA tasks wait for a host that has it', fix: 'install the CUDA toolkit and put nvcc on PATH (or run a GPU worker on a machine that has it)' },
  ];
}

export function checkGpu(): Check[] {
  const smi = probe('nvidia-smi', ['-L']);
  const ncu = probe('ncu', ['--version']);
  return [
    smi?.ok
      ? { area: 'GPU', status: 'ok', detail: smi.line }
      : { area: 'GPU', status: 'warn', detail: smi ? `nvidia-smi failed: ${smi.line}` : 'no NVIDIA GPU (nvidia-smi not found): CUDA tasks wait for a GPU host', fix: 'install the NVIDIA driver, or run the GPU worker on a machine with a GPU' },
    ncu?.ok
      ? { area: 'profiler ncu', status: 'ok', detail: ncu.line }
      : { area: 'profiler ncu', status: 'warn', detail: 'Nsight Compute (ncu) not found: no full profiles (tier 1)', fix: 'install Nsight Compute with the CUDA toolkit and put ncu on PATH' },
  ];
}

/** Can bubblewrap create the namespaces the sandbox needs here? */
export function checkSandbox(): Check {
  const version = probe('bwrap', ['--version']);
  if (!version) {
    return { area: 'sandbox', status: 'warn', detail: 'bubblewrap (bwrap) not found: generated code would run without a sandbox', fix: 'install it: sudo apt-get install bubblewrap' };
  }
  const args = ['--unshare-all', '--die-with-parent', '--ro-bind', '/usr', '/usr'];
  for (const [link, target] of [['/bin', 'usr/bin'], ['/lib', 'usr/lib'], ['/lib64', 'usr/lib64']] as const) {
    if (existsSync(link)) args.push('--symlink', target, link);
  }
  const run = probe('bwrap', [...args, '/usr/bin/true']);
  if (run?.ok) return { area: 'sandbox', status: 'ok', detail: `${version.line}: can create user, PID and network namespaces` };
  return {
    area: 'sandbox',
    status: 'warn',
    detail: `bwrap cannot create namespaces here: ${run?.line ?? 'no output'}`,
    fix: 'allow unprivileged user namespaces (sudo sysctl -w kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0), or run the worker in a container that allows them',
  };
}

const GiB = 1024 ** 3;

/** Free space where run folders go: below 5 GiB is a warning, below 0.5 GiB blocks. */
export function checkDisk(runsFolder: string): Check {
  let folder = runsFolder;
  try {
    mkdirSync(runsFolder, { recursive: true });
  } catch {
    while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  }
  const stats = statfsSync(folder);
  const free = stats.bavail * stats.bsize;
  const detail = `${(free / GiB).toFixed(1)} GiB free in ${runsFolder}`;
  if (free < 0.5 * GiB) return { area: 'disk', status: 'fail', detail, fix: 'free space there or point KISYSTEM_WORK_DIR / KISYSTEM_DATA_DIR at a bigger disk' };
  if (free < 5 * GiB) return { area: 'disk', status: 'warn', detail, fix: 'builds and profiles need room: free space or move KISYSTEM_WORK_DIR' };
  return { area: 'disk', status: 'ok', detail };
}
