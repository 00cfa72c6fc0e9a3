/**
 * `kisystem up` keeps its workers up: a worker that exits or is killed (the OOM killer, a crash) is
 * logged with its exit code or signal and started again after a backoff (1 s doubling to 30 s; back
 * to 1 s once a worker has run for a minute). Its activities are picked up again by the new worker
 * when their heartbeat timeout passes; nothing is lost, since the workflows live in Temporal.
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisedProcess {
  /** The process running now (a new one after each restart). */
  current(): ChildProcess;
  /** How many times it has been started again. */
  restarts(): number;
  /** Stops it for good (SIGTERM, SIGKILL after `graceMs`), without a restart. */
  stop(graceMs?: number): Promise<void>;
}

export interface SuperviseOptions {
  /** For the log lines, e.g. "gpu worker". */
  name: string;
  start: () => ChildProcess;
  log: (line: string) => void;
  firstDelayMs?: number;
  maxDelayMs?: number;
  /** A run this long counts as healthy: the next restart waits `firstDelayMs` again. */
  healthyAfterMs?: number;
  /** Called after each exit (restart or stop), e.g. to kill what the process left behind. */
  afterExit?: (proc: ChildProcess) => void;
}

/** Why a process ended, in words: "was killed by SIGKILL" or "exited with code 1". */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}${signal === 'SIGKILL' ? ' (the OOM killer or kill -9?)' : ''}`;
  return `exited with code ${code}`;
}

/** The backoff before restart number `attempt` (1-based). */
export function restartDelayMs(attempt: number, firstDelayMs = 1000, maxDelayMs = 30_000): number {
  return Math.min(maxDelayMs, firstDelayMs * 2 ** Math.max(0, attempt - 1));
}

export function supervise(options: SuperviseOptions): SupervisedProcess {
  const { name, log } = options;
  const healthyAfterMs = options.healthyAfterMs ?? 60_000;
  let child = options.start();
  let startedAt = Date.now();
  let stopping = false;
  let restarts = 0;
  let streak = 0;
  let timer: NodeJS.Timeout | undefined;

  const watch = (proc: ChildProcess) => {
    proc.once('exit', (code, signal) => {
      options.afterExit?.(proc);
      if (stopping) return;
      streak = Date.now() - startedAt >= healthyAfterMs ? 1 : streak + 1;
      const delay = restartDelayMs(streak, options.firstDelayMs, options.maxDelayMs);
      log(`[up] the ${name} (pid ${proc.pid}) ${describeExit(code, signal)}; starting it again in ${(delay / 1000).toFixed(1)} s`);
      timer = setTimeout(() => {
        timer = undefined;
        if (stopping) return;
        child = options.start();
        startedAt = Date.now();
        restarts++;
        log(`[up] the ${name} runs again (pid ${child.pid}, restart ${restarts})`);
        watch(child);
      }, delay);
    });
  };
  watch(child);

  return {
    current: () => child,
    restarts: () => restarts,
    async stop(graceMs = 15_000) {
      stopping = true;
      if (timer) clearTimeout(timer);
      const proc = child;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    },
  };
}
