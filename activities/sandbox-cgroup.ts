/**
 * One cgroup per sandboxed run, for limits on the whole run rather than per process: memory (swap
 * included), number of processes, and CPU time (read back while it runs; the runner kills it when
 * over). Supports cgroup v2 (a delegated subtree: the worker's own cgroup, or `sandbox.cgroup_root`)
 * and cgroup v1 hierarchies (memory, pids, cpuacct mounted read-write). Detected once at worker start.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export type CgroupMode = { version: 2; base: string } | { version: 1; memory: string; pids: string; cpuacct: string };

export interface CgroupLimits {
  /** Memory of the whole run (RSS, page cache of its files, tmpfs), swap included; null: none. */
  memoryMb: number | null;
  maxProcesses: number;
}

/** What happened to a run's cgroup, read after it ended. */
export interface CgroupEvents {
  oomKills: number;
  /** True when oomKills is the kernel's own kill counter (false: v1's failcnt stands in, which also counts reclaimed charges). */
  oomKillsCounted: boolean;
  pidsLimitHits: number;
  cpuNs: number;
}

const V1_ROOT = '/sys/fs/cgroup';
const GROUP = 'kisystem-runs';

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function field(text: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** The worker's own cgroup v2 path (`0::/x/y` in /proc/self/cgroup). */
function ownV2Group(): string | null {
  const line = read('/proc/self/cgroup')
    .split('\n')
    .find((l) => l.startsWith('0::'));
  return line ? line.slice(3) : null;
}

function tryV1(): CgroupMode | null {
  const memory = join(V1_ROOT, 'memory', GROUP);
  const pids = join(V1_ROOT, 'pids', GROUP);
  const cpuacct = join(V1_ROOT, 'cpuacct', GROUP);
  for (const [controller, dir] of [
    ['memory', memory],
    ['pids', pids],
    ['cpuacct', cpuacct],
  ] as const) {
    if (!existsSync(join(V1_ROOT, controller, 'cgroup.procs'))) return null;
    mkdirSync(dir, { recursive: true });
  }
  return { version: 1, memory, pids, cpuacct };
}

function tryV2(configuredRoot: string | null): CgroupMode | null {
  const mount = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup' : null;
  if (!mount && !configuredRoot) return null;
  const own = ownV2Group();
  const parent = configuredRoot ?? (own !== null ? join(mount!, own) : null);
  if (!parent) return null;
  const controllers = read(join(parent, 'cgroup.controllers'));
  if (!/\bmemory\b/.test(controllers) || !/\bpids\b/.test(controllers) || !/\bcpu\b/.test(controllers)) return null;
  const base = join(parent, GROUP);
  mkdirSync(base, { recursive: true });
  // A cgroup with processes cannot hand controllers to children ("no internal processes"): the
  // runs' parent is a fresh child without processes, so this works on a delegated subtree.
  writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
  writeFileSync(join(base, 'cgroup.subtree_control'), '+memory +pids +cpu');
  return { version: 2, base };
}

/**
 * Finds a place where the worker may create one cgroup per run, or null (with the reasons) when
 * there is none: then the runs fall back to per-process limits and the PID namespace.
 */
export function detectCgroups(configuredRoot: string | null = null): { mode: CgroupMode | null; tried: string[] } {
  const tried: string[] = [];
  for (const attempt of [() => tryV2(configuredRoot), tryV1]) {
    try {
      const mode = attempt();
      // The runs' folder may exist already, made by another user (root): a run cgroup made and
      // removed here proves this worker may use it, else every step would fail instead of falling back.
      if (mode) RunCgroup.create(mode, 'probe', { memoryMb: null, maxProcesses: 8 }).removeEmpty();
      if (mode) return { mode, tried };
    } catch (error) {
      tried.push((error as Error).message);
    }
  }
  return { mode: null, tried };
}

export function describeCgroups(mode: CgroupMode | null): string {
  if (!mode) return 'no writable cgroups';
  return mode.version === 2 ? `cgroup v2 under ${mode.base}` : `cgroup v1 (memory, pids, cpuacct) under ${GROUP}`;
}

/** One run's cgroup. Creating it can fail (not the answer's fault): the caller throws an infrastructure fault. */
export class RunCgroup {
  private constructor(
    readonly mode: CgroupMode,
    readonly dirs: string[],
  ) {}

  /**
   * Makes a run's cgroup named `<name>-<pid>-<random>`: unique even for runs of one worker that
   * start in the same millisecond (a shared cgroup would be killed by whichever run ends first).
   */
  static create(mode: CgroupMode, name: string, limits: CgroupLimits): RunCgroup {
    const safe = `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${process.pid}-${randomBytes(8).toString('hex')}`;
    if (mode.version === 2) {
      const dir = join(mode.base, safe);
      mkdirSync(dir, { recursive: true });
      const group = new RunCgroup(mode, [dir]);
      if (limits.memoryMb !== null) {
        writeFileSync(join(dir, 'memory.max'), String(limits.memoryMb * 1024 * 1024));
        if (existsSync(join(dir, 'memory.swap.max'))) writeFileSync(join(dir, 'memory.swap.max'), '0');
      }
      writeFileSync(join(dir, 'pids.max'), String(limits.maxProcesses));
      return group;
    }
    const dirs = [join(mode.memory, safe), join(mode.pids, safe), join(mode.cpuacct, safe)];
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    const group = new RunCgroup(mode, dirs);
    if (limits.memoryMb !== null) {
      const bytes = String(limits.memoryMb * 1024 * 1024);
      writeFileSync(join(dirs[0]!, 'memory.limit_in_bytes'), bytes);
      // memsw (memory + swap) may be missing when swap accounting is off; then swap is not limited.
      const memsw = join(dirs[0]!, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) {
        try {
          writeFileSync(memsw, bytes);
        } catch {
          // swap accounting disabled by the kernel
        }
      }
    }
    writeFileSync(join(dirs[1]!, 'pids.max'), String(limits.maxProcesses));
    return group;
  }

  /** Removes the cgroup while it holds no process (the start probe); throws when it cannot. */
  removeEmpty(): void {
    for (const dir of this.dirs) rmdirSync(dir);
  }

  /** The `cgroup.procs` files a process writes its own pid to, to join (before it execs bwrap). */
  procsFiles(): string[] {
    return this.dirs.map((d) => join(d, 'cgroup.procs'));
  }

  /** CPU time used so far by every process of the run, in nanoseconds. */
  cpuNs(): number {
    if (this.mode.version === 2) return field(read(join(this.dirs[0]!, 'cpu.stat')), 'usage_usec') * 1000;
    return Number(read(join(this.dirs[2]!, 'cpuacct.usage')).trim()) || 0;
  }

  events(): CgroupEvents {
    if (this.mode.version === 2) {
      const memory = read(join(this.dirs[0]!, 'memory.events'));
      return { oomKills: field(memory, 'oom_kill'), oomKillsCounted: true, pidsLimitHits: field(read(join(this.dirs[0]!, 'pids.events')), 'max'), cpuNs: this.cpuNs() };
    }
    const oom = read(join(this.dirs[0]!, 'memory.oom_control'));
    // Older v1 kernels have no oom_kill counter: a failed charge (failcnt) then stands for it.
    const counted = /oom_kill /.test(oom);
    const kills = counted ? field(oom, 'oom_kill') : Number(read(join(this.dirs[0]!, 'memory.failcnt')).trim()) || 0;
    return { oomKills: kills, oomKillsCounted: counted, pidsLimitHits: field(read(join(this.dirs[1]!, 'pids.events')), 'max'), cpuNs: this.cpuNs() };
  }

  /** Pids still in the run's cgroup. */
  pids(): number[] {
    return read(join(this.dirs[this.mode.version === 2 ? 0 : 1]!, 'cgroup.procs'))
      .split('\n')
      .filter(Boolean)
      .map(Number);
  }

  /** Kills every process of the run (a daemon that left the PID namespace's tree cannot escape its cgroup). */
  killAll(): void {
    if (this.mode.version === 2 && existsSync(join(this.dirs[0]!, 'cgroup.kill'))) {
      try {
        appendFileSync(join(this.dirs[0]!, 'cgroup.kill'), '1');
      } catch {
        // already empty
      }
    }
    for (let round = 0; round < 5; round++) {
      const pids = this.pids();
      if (pids.length === 0) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
    }
  }

  /** Kills what is left and removes the cgroup (waits briefly for the kernel to reap the processes). */
  async destroy(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      this.killAll();
      let left = false;
      for (const dir of this.dirs) {
        try {
          rmdirSync(dir);
        } catch {
          if (existsSync(dir)) left = true;
        }
      }
      if (!left) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
