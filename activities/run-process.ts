/**
 * Runs one subprocess for an activity: argument array (never a shell string), its own process
 * group, a timeout, heartbeats while it runs, and everything it started killed on timeout,
 * cancellation or its end. With a sandbox (activities/sandbox.ts) the program runs in bubblewrap,
 * inside its own cgroup when the host has one (activities/sandbox-cgroup.ts), with limits on the
 * whole run: memory, processes, CPU time (polled), disk (the run folder's size, polled).
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { trimOutput } from '../policy/parsers/trim-output';
import type { LimitKind } from '../policy/parsers/limit-kill';
import { RunCgroup, type CgroupMode } from './sandbox-cgroup';
import { BWRAP_SPAWN_ENV, bwrapArgs, type SandboxSettings } from './sandbox';
import { folderBytes } from './sandbox-disk';

/** Resource limits for untrusted generated code, on the whole run where cgroups allow. */
export interface ResourceLimits {
  cpuSeconds: number;
  /** Memory limit; null where none is wanted. Without cgroups it is an address-space limit, which CUDA cannot live with. */
  memoryMb: number | null;
  maxProcesses: number;
  maxFileMb: number;
  /** The run folder's size limit (and the private /tmp's); null: only the per-file limit. */
  diskMb?: number | null;
}

/** The host's sandbox as the worker found it at start. */
export interface SandboxRuntime {
  settings: SandboxSettings;
  cgroups: CgroupMode | null;
}

export interface RunProcessOptions {
  command: readonly string[];
  cwd: string;
  timeoutMs: number;
  /** Characters of combined output to keep. */
  keepChars: number;
  /** Unsandboxed: the whole environment (default: the worker's). Sandboxed: the only variables the program gets. */
  env?: NodeJS.ProcessEnv;
  limits?: ResourceLimits;
  /** Run inside this sandbox; the run folder is `writable`. */
  sandbox?: SandboxRuntime & { writable: string; readOnly?: readonly string[]; gpu: boolean; name: string };
  /** Takes over stdin and stdout (a trusted driver talking to the program); output then holds stderr only. */
  interact?: (io: { stdin: Writable; stdout: Readable }) => Promise<void>;
  /** Called every few seconds while the process runs (activity heartbeat). */
  onTick?: () => void;
  /** Aborts the run (activity cancellation): the process group is killed. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** stdout and stderr interleaved as they arrived, trimmed to `keepChars`. */
  output: string;
  durationMs: number;
  /** The limit that ended the run, by what happened; null when none did. */
  limitKill?: LimitKind | null;
  /** 'bubblewrap' or 'none' (unsandboxed). */
  sandbox?: string;
}

/** The spawn failed before the program ran (ENOENT: not installed; EACCES: not executable). */
export class ProgramNotStartedError extends Error {
  constructor(
    readonly program: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ProgramNotStartedError';
  }
}

/** The sandbox could not be set up for this run (not the answer's fault): an infrastructure fault. */
export class SandboxSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxSetupError';
  }
}

/** `prlimit` arguments: per-process limits (the only ones without cgroups; a second fence with them). */
export function limitArgs(limits: ResourceLimits, withCgroup: boolean): string[] {
  const args = [`--fsize=${limits.maxFileMb * 1024 * 1024}`, '--core=0'];
  if (!withCgroup) {
    args.push(`--cpu=${limits.cpuSeconds}`);
    // RLIMIT_NPROC counts every process of the user on the host (not only this run's), and does not
    // bind root at all: it would fail correct answers on a busy account. Only the cgroup limits processes.
    if (limits.memoryMb !== null) args.push(`--as=${limits.memoryMb * 1024 * 1024}`);
  }
  return ['prlimit', ...args, '--'];
}

const TICK_MS = 5000;
const POLL_MS = 100;
const DISK_POLL_MS = 250;
/** After the program's main process ended, how long its output may still arrive (a daemon may hold the pipe). */
const EXIT_GRACE_MS = 300;
// Output beyond this is dropped while reading (the trimmed copy keeps head and tail anyway).
const READ_CAP = 4 * 1024 * 1024;
/** The fixed joiner: writes its own pid into each cgroup.procs given before `--`, then execs the rest. */
const JOIN_SCRIPT = 'for f do if [ "$f" = -- ]; then break; fi; echo $$ > "$f" || exit 125; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"';

export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const box = options.sandbox;
  const sandboxed = box !== undefined && box.settings.kind === 'bubblewrap';
  let cgroup: RunCgroup | null = null;
  if (sandboxed && box.cgroups && options.limits) {
    try {
      cgroup = RunCgroup.create(box.cgroups, `${box.name}-${process.pid}-${Date.now()}`, options.limits);
    } catch (error) {
      throw new SandboxSetupError(`cannot create the run's cgroup: ${(error as Error).message}`);
    }
  }
  const limited = options.limits ? [...limitArgs(options.limits, cgroup !== null), ...options.command] : [...options.command];
  let argv: string[];
  let env: NodeJS.ProcessEnv;
  if (sandboxed) {
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(options.env ?? {})) if (v !== undefined) vars[k] = v;
    const tmpMb = options.limits?.diskMb ?? 512;
    argv = [...bwrapArgs(box.settings.bwrapPath, { writable: box.writable, readOnly: box.readOnly, gpu: box.gpu, tmpMb, env: vars }, options.cwd), ...limited];
    if (cgroup) argv = ['/bin/sh', '-c', JOIN_SCRIPT, 'kisystem-join', ...cgroup.procsFiles(), '--', ...argv];
    env = { ...BWRAP_SPAWN_ENV };
  } else {
    argv = limited;
    // sandbox.kind "none": the caller's few variables on top of the worker's whole environment.
    env = box ? { ...process.env, ...options.env } : (options.env ?? process.env);
  }
  try {
    return await spawnAndWatch(options, argv, env, cgroup, sandboxed ? 'bubblewrap' : 'none');
  } finally {
    await cgroup?.destroy();
  }
}

function spawnAndWatch(options: RunProcessOptions, argv: string[], env: NodeJS.ProcessEnv, cgroup: RunCgroup | null, kind: string): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env,
      detached: true, // own process group, so that a kill reaches the grandchildren too
      stdio: [options.interact ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let head = '';
    let tail = '';
    let total = 0;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      total += text.length;
      if (head.length < READ_CAP / 2) head += text;
      else tail = (tail + text).slice(-READ_CAP / 2);
    };
    if (!options.interact) child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let timedOut = false;
    let cancelled = false;
    let limitKill: LimitKind | null = null;
    let finished = false;
    const killAll = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      cgroup?.killAll();
    };
    const stopFor = (kind: LimitKind) => {
      if (limitKill === null) limitKill = kind;
      killAll();
    };
    const timer = setTimeout(() => {
      timedOut = true; // named by the categorizer's timeout rule
      killAll();
    }, options.timeoutMs);
    const ticker = options.onTick ? setInterval(options.onTick, TICK_MS) : undefined;
    const cpuLimitNs = options.limits && cgroup ? options.limits.cpuSeconds * 1e9 : null;
    const cpuPoll = cpuLimitNs !== null ? setInterval(() => cgroup!.cpuNs() > cpuLimitNs && stopFor('cpu'), POLL_MS) : undefined;
    const diskLimit = options.limits?.diskMb && options.sandbox ? options.limits.diskMb * 1024 * 1024 : null;
    let diskBusy = false;
    const diskPoll =
      diskLimit !== null
        ? setInterval(() => {
            if (diskBusy) return;
            diskBusy = true;
            folderBytes(options.sandbox!.writable)
              .then((bytes) => bytes > diskLimit && stopFor('disk'))
              .finally(() => (diskBusy = false));
          }, DISK_POLL_MS)
        : undefined;
    const onAbort = () => {
      cancelled = true;
      killAll();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let interaction: Promise<void> = Promise.resolve();
    if (options.interact) {
      child.stdin!.on('error', () => undefined); // the program may close stdin early
      interaction = options.interact({ stdin: child.stdin!, stdout: child.stdout! }).catch(() => killAll());
    }
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      for (const t of [ticker, cpuPoll, diskPoll]) if (t) clearInterval(t);
      options.signal?.removeEventListener('abort', onAbort);
    };
    let grace: NodeJS.Timeout | undefined;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const finish = () => {
      if (finished) return;
      finished = true;
      cleanup();
      // The group may still hold background children of the program: end them with it.
      killAll();
      child.stdout!.destroy();
      child.stderr!.destroy();
      void interaction.finally(() => {
        const events = cgroup?.events();
        const code = exit?.code ?? null;
        const signal = exit?.signal ?? null;
        const failed = code !== 0 || signal !== null;
        // An OOM kill anywhere in the run is the memory limit at work, even when the main process
        // survived it (a killed child): the run went over its memory, whatever it printed after.
        if (limitKill === null && events && events.oomKills > 0 && (failed || events.oomKillsCounted)) limitKill = 'memory';
        if (limitKill === null && events && failed && events.pidsLimitHits > 0) limitKill = 'processes';
        if (limitKill === null && failed && (signal === 'SIGXFSZ' || code === 128 + 25)) limitKill = 'disk';
        if (limitKill === null && failed && (signal === 'SIGXCPU' || code === 128 + 24)) limitKill = 'cpu';
        const joined = tail ? `${head}\n... [${total - head.length - tail.length} characters not kept] ...\n${tail}` : head;
        resolve({
          exitCode: code,
          signal,
          timedOut,
          cancelled,
          output: trimOutput(joined, options.keepChars),
          durationMs: Date.now() - started,
          limitKill,
          sandbox: kind,
        });
      });
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      finished = true;
      cleanup();
      killAll();
      const program = argv[0]!;
      reject(new ProgramNotStartedError(program, error.code ?? 'unknown', `cannot start ${program}: ${error.message}`));
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A daemon left behind may hold stdout open: the run ends anyway, shortly after its main process.
      grace = setTimeout(finish, EXIT_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      exit ??= { code, signal };
      finish();
    });
  });
}
