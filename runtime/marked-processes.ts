/**
 * Processes found by a marker in their environment: a variable set when they were started is
 * inherited by everything they start, even by daemons that leave the process group and session
 * (setsid). Linux /proc; elsewhere nothing is found.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Processes (other than this one) whose environment holds `variable=value`. */
export function processesCarrying(variable: string, value: string, procRoot = '/proc'): number[] {
  const needle = `\0${variable}=${value}\0`;
  const found: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return found; // no /proc (not Linux): nothing to find
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (`\0${readFileSync(`${procRoot}/${entry}/environ`, 'latin1')}\0`.includes(needle)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** Kills (SIGKILL) every process that carries `variable=value`, each with its process group; returns their pids. */
export function killProcessesCarrying(variable: string, value: string): number[] {
  const pids = processesCarrying(variable, value);
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL'); // its group, where it leads one
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return pids;
}

/**
 * Kills every process that carries `variable=value` and resolves once none is left (a SIGKILLed
 * process leaves /proc only when the kernel has ended it), or after `patienceMs` with those left.
 */
export async function endProcessesCarrying(variable: string, value: string, patienceMs = 5000): Promise<number[]> {
  const until = Date.now() + patienceMs;
  for (;;) {
    const left = killProcessesCarrying(variable, value);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 20));
  }
}
