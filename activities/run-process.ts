/**
 * Runs one subprocess for an activity: argument array (never a shell string), its own process
 * group, a timeout, heartbeats while it runs, and the whole group killed on timeout or cancellation.
 */
import { spawn } from 'node:child_process';
import { trimOutput } from '../policy/trim-output';

/** Resource limits for untrusted generated code, applied with util-linux `prlimit`. */
export interface ResourceLimits {
  cpuSeconds: number;
  /** Address-space limit; null where it cannot work (CUDA reserves huge virtual ranges). */
  memoryMb: number | null;
  maxProcesses: number;
  maxFileMb: number;
}

export interface RunProcessOptions {
  command: readonly string[];
  cwd: string;
  timeoutMs: number;
  /** Characters of combined output to keep. */
  keepChars: number;
  env?: NodeJS.ProcessEnv;
  limits?: ResourceLimits;
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

function limitArgs(limits: ResourceLimits): string[] {
  const args = [
    `--cpu=${limits.cpuSeconds}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileMb * 1024 * 1024}`,
    '--core=0',
  ];
  if (limits.memoryMb !== null) args.push(`--as=${limits.memoryMb * 1024 * 1024}`);
  return ['prlimit', ...args, '--'];
}

const TICK_MS = 5000;
// Output beyond this is dropped while reading (the trimmed copy keeps head and tail anyway).
const READ_CAP = 4 * 1024 * 1024;

export function runProcess(options: RunProcessOptions): Promise<ProcessResult> {
  const argv = options.limits ? [...limitArgs(options.limits), ...options.command] : [...options.command];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true, // own process group, so that a kill reaches the grandchildren too
      stdio: ['ignore', 'pipe', 'pipe'],
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
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let timedOut = false;
    let cancelled = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const ticker = options.onTick ? setInterval(options.onTick, TICK_MS) : undefined;
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const cleanup = () => {
      clearTimeout(timer);
      if (ticker) clearInterval(ticker);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      const program = argv[0]!;
      reject(new ProgramNotStartedError(program, error.code ?? 'unknown', `cannot start ${program}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      cleanup();
      // The group may still hold background children of the program: end them with it.
      killGroup();
      const joined = tail ? `${head}\n... [${total - head.length - tail.length} characters not kept] ...\n${tail}` : head;
      resolve({
        exitCode: code,
        signal,
        timedOut,
        cancelled,
        output: trimOutput(joined, options.keepChars),
        durationMs: Date.now() - started,
      });
    });
  });
}
