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
import { BWRAP_SPAWN_ENV, bwrapArgs, stepVariables, type SandboxSettings } from './sandbox';
import { runCpuSeconds, taskFence, watchLimits } from './sandbox-limit-watch';
import { fileAtLimit, folderBytes, removeWrittenSince } from './sandbox-disk';
import { closeAfterStep } from './sandbox-folder';
import { runAsArgs, workerIsRoot, type SandboxUser } from './sandbox-user';
import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

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
  /** Unsandboxed: the whole environment (default: the worker's). Sandboxed: only the step's own variables (sandbox.ts `stepVariables`) pass. */
  env?: NodeJS.ProcessEnv;
  limits?: ResourceLimits;
  /** Run inside this sandbox; the run folder is `writable`. */
  sandbox?: SandboxRuntime & { writable: string; readOnly?: readonly string[]; gpu: boolean; name: string };
  /**
   * Takes over stdin and stdout (a trusted driver talking to the program); output then holds stderr
   * only. `cpuNs` reads the CPU time the run's processes have used so far (ns, every thread), from
   * the run's cgroup; null without one (per-process counters tick in 10 ms, too coarse to time a frame).
   */
  interact?: (io: { stdin: Writable; stdout: Readable; cpuNs: (() => number) | null }) => Promise<void>;
  /** Called every 250 ms while the process runs (activity heartbeat: how a cancellation is learnt). */
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
    args.push(`--cpu=${runCpuSeconds(limits.cpuSeconds)}`);
    // RLIMIT_NPROC counts every process of the user on the host (not only this run's), and does not
    // bind root at all: it would fail correct answers on a busy account. Only the cgroup limits processes.
    if (limits.memoryMb !== null) args.push(`--as=${limits.memoryMb * 1024 * 1024}`);
  }
  return ['prlimit', ...args, '--'];
}

/** Heartbeat period: the worker sends at most one per HEARTBEAT_THROTTLE (workers/heartbeat-throttle.ts), and a cancellation arrives only with a heartbeat's answer. */
const TICK_MS = 250;
/** After the program's main process ended, how long its output may still arrive (a daemon may hold the pipe). */
const EXIT_GRACE_MS = 300;
// Output beyond this is dropped while reading (the trimmed copy keeps head and tail anyway).
const READ_CAP = 4 * 1024 * 1024;
/**
 * The fixed launcher of a sandboxed run (bash: dash cannot name descriptors past 9): closes every
 * descriptor but stdin, stdout and stderr (the worker may hold inherited ones without close-on-exec,
 * which bwrap would pass on into the sandbox), writes its own pid into each cgroup.procs given
 * before `--`, then execs the rest.
 */
const LAUNCH_SCRIPT = 'for d in /proc/$$/fd/*; do n=${d##*/}; case $n in 0|1|2) ;; *) eval "exec $n>&-" 2>/dev/null ;; esac; done; for f do if [ "$f" = -- ]; then break; fi; echo $$ > "$f" || exit 125; done; while [ "$1" != -- ]; do shift; done; shift; exec "$@"';

/**
 * The launcher's own command. Without --norc, bash whose stdin is a socket (every piped stdin of a
 * Node child is one) takes itself for a remote shell and runs the worker user's ~/.bashrc before the
 * sandbox starts: whatever that prints lands in the candidate's output.
 */
export const LAUNCHER: readonly string[] = Object.freeze(['/bin/bash', '--norc', '--noprofile', '-c', LAUNCH_SCRIPT, 'kisystem-launch']);

export async function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const box = options.sandbox;
  const sandboxed = box !== undefined && box.settings.kind === 'bubblewrap';
  if (sandboxed && !box.settings.runAs && workerIsRoot()) {
    // With root outside, the sandbox's user is host root (writable /proc/sys, root-owned set-uid files).
    throw new SandboxSetupError('the worker runs as root but its sandbox names no unprivileged user to run model code as (sandbox.run_as_user)');
  }
  let cgroup: RunCgroup | null = null;
  if (sandboxed && box.cgroups && options.limits) {
    try {
      cgroup = RunCgroup.create(box.cgroups, box.name, { memoryMb: options.limits.memoryMb, maxProcesses: taskFence(options.limits.maxProcesses) });
    } catch (error) {
      throw new SandboxSetupError(`cannot create the run's cgroup: ${(error as Error).message}`);
    }
  }
  const limited = options.limits ? [...limitArgs(options.limits, cgroup !== null), ...options.command] : [...options.command];
  let argv: string[];
  let env: NodeJS.ProcessEnv;
  if (sandboxed) {
    const vars = stepVariables(options.env);
    const tmpMb = options.limits?.diskMb ?? 512;
    const tmpDir = await stepTmpDir(box.writable, box.settings.runAs);
    argv = [...runAsArgs(box.settings.runAs), ...bwrapArgs(box.settings.bwrapPath, { writable: box.writable, readOnly: box.readOnly, gpu: box.gpu, tmpMb, tmpDir, env: vars }, options.cwd), ...limited];
    argv = [...LAUNCHER, ...(cgroup?.procsFiles() ?? []), '--', ...argv];
    env = { ...BWRAP_SPAWN_ENV };
  } else {
    argv = limited;
    // sandbox.kind "none": the caller's few variables on top of the worker's whole environment.
    env = box ? { ...process.env, ...options.env } : (options.env ?? process.env);
  }
  const started = Date.now();
  try {
    const result = await spawnAndWatch(options, argv, env, cgroup, sandboxed ? 'bubblewrap' : 'none');
    if (sandboxed && options.limits) await judgeDisk(result, box.writable, options.limits, started);
    if (sandboxed) await rm(join(box.writable, STEP_TMP), { recursive: true, force: true });
    return result;
  } finally {
    await cgroup?.destroy();
    if (sandboxed) await closeAfterStep(box.writable);
  }
}

/** The step's TMPDIR inside the run folder: compiler temporaries count against its disk limit and stay observable. */
const STEP_TMP = '.tmp';

async function stepTmpDir(folder: string, user: SandboxUser | null): Promise<string> {
  const dir = join(folder, STEP_TMP);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { mode: 0o700 });
  if (user) await chown(dir, user.uid, user.gid);
  return dir;
}

/**
 * The disk a sandboxed run left, judged once its processes are gone: a file at the per-file limit
 * marks a SIGXFSZ that a parent reported as its own failure (g++ after cc1plus); a folder over its
 * limit (written faster than the poll) is a disk limit kill too. What a run killed for disk wrote is
 * removed, so the limit holds on the host after the step whatever the writing pattern.
 */
async function judgeDisk(result: ProcessResult, folder: string, limits: ResourceLimits, startedMs: number): Promise<void> {
  const failed = result.exitCode !== 0 || result.signal !== null;
  if (!result.limitKill && failed && !result.timedOut && !result.cancelled && (await fileAtLimit(folder, limits.maxFileMb * 1024 * 1024))) result.limitKill = 'disk';
  if (!result.limitKill && limits.diskMb && (await folderBytes(folder)) > limits.diskMb * 1024 * 1024) result.limitKill = 'disk';
  if (result.limitKill === 'disk') await removeWrittenSince(folder, startedMs);
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
    // The tail as pieces, dropped from the front: each character is copied once (joining the
    // whole tail per chunk was quadratic under a flood of output).
    const tailPieces: string[] = [];
    let tailLength = 0;
    let total = 0;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      total += text.length;
      if (head.length < READ_CAP / 2) {
        head += text;
        return;
      }
      tailPieces.push(text);
      tailLength += text.length;
      while (tailLength - tailPieces[0]!.length >= READ_CAP / 2) tailLength -= tailPieces.shift()!.length;
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
    const limits = options.limits;
    const watch =
      limits && options.sandbox && child.pid
        ? watchLimits(child.pid, cgroup, { cpuSeconds: limits.cpuSeconds, maxProcesses: limits.maxProcesses, diskBytes: limits.diskMb ? limits.diskMb * 1024 * 1024 : null, folder: options.sandbox.writable, memoryMb: limits.memoryMb }, stopFor)
        : null;
    const onAbort = () => {
      cancelled = true;
      killAll();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // A cancellation that came during the awaits before the spawn (the step's folder, its cgroup,
    // an earlier step's clean-up) fired no event here: the run would go on to its timeout.
    if (options.signal?.aborted) onAbort();
    let interaction: Promise<void> = Promise.resolve();
    if (options.interact) {
      child.stdin!.on('error', () => undefined); // the program may close stdin early
      const cpuNs = cgroup ? () => cgroup.cpuNs() : null;
      interaction = options.interact({ stdin: child.stdin!, stdout: child.stdout!, cpuNs }).catch(() => killAll());
    }
    const cleanup = () => {
      clearTimeout(timer);
      clearTimeout(grace);
      if (ticker) clearInterval(ticker);
      watch?.stop();
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
        // Without a cgroup, memory is an address-space limit: a failed run whose process came near it hit it.
        const asLimit = !cgroup && limits?.memoryMb ? limits.memoryMb * 1024 * 1024 : null;
        if (limitKill === null && failed && asLimit !== null && watch && watch.maxVsizeBytes() >= 0.8 * asLimit) limitKill = 'memory';
        const tail = tailPieces.join('').slice(-READ_CAP / 2);
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
