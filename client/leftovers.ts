/**
 * What a killed worker leaves behind: its builds and tests run in process groups of their own (so a
 * timeout kills the whole group), which also means they outlive a worker that is SIGKILLed. Each
 * worker `up` starts carries a marker in its environment, inherited by everything it starts; when
 * the worker is gone, the processes that still carry its marker are killed with their groups.
 * (The sandbox's PID namespace with --die-with-parent does the same for sandboxed runs.) Linux /proc.
 */
import { randomUUID } from 'node:crypto';
import { killProcessesCarrying, processesCarrying } from '../runtime/marked-processes';

/** The environment variable that names a worker's instance. */
export const WORKER_MARKER = 'KISYSTEM_WORKER_INSTANCE';

export function newWorkerMarker(kind: string): string {
  return `${kind}-${randomUUID()}`;
}

/** Processes (other than this one) whose environment carries `marker`. */
export function processesWithMarker(marker: string, procRoot = '/proc'): number[] {
  return processesCarrying(WORKER_MARKER, marker, procRoot);
}

/** Kills (SIGKILL) every process that still carries `marker`, with its process group; returns their pids. */
export function killLeftovers(marker: string): number[] {
  return killProcessesCarrying(WORKER_MARKER, marker);
}
