/**
 * The limits of a whole run that the kernel does not enforce by itself, polled from outside while
 * the run goes on, and how they are sized for the host:
 * - CPU time over all threads and processes, allowed per core of the host (`cpu_seconds` x cores):
 *   a correct answer that keeps every core busy is not killed sooner than one that uses one core;
 * - processes (not threads) against `max_processes`, counted from the run's cgroup; the cgroup's
 *   task limit (pids.max, which counts threads) is only a fence above it, with room for a thread
 *   per hardware thread ({@link taskFence});
 * - disk: the run folder's size plus files its processes deleted but keep open.
 * Without a cgroup the run's processes are its process tree in /proc.
 */
import { availableParallelism } from 'node:os';
import type { LimitKind } from '../policy/parsers/limit-kill';
import type { RunCgroup } from './sandbox-cgroup';
import { folderBytes } from './sandbox-disk';
import { deletedOpenBytes, descendants, treeUsage } from './sandbox-process-tree';

const CPU_POLL_MS = 100;
const SLOW_POLL_MS = 250;
/** Without a cgroup, the process tree is read this often (a compiler can reach its address-space limit in well under a second). */
const TREE_POLL_MS = 100;
/** bwrap and the init of its PID namespace: in the run, but not the answer's. */
const SANDBOX_PROCESSES = 2;

export function hostCores(): number {
  return Math.max(1, availableParallelism());
}

/** CPU seconds a run may use in total: `cpuSeconds` on every core of the host. */
export function runCpuSeconds(cpuSeconds: number, cores = hostCores()): number {
  return cpuSeconds * cores;
}

/** The cgroup's task limit (threads count there): the process limit plus a thread per hardware thread, at least 64. */
export function taskFence(maxProcesses: number, cores = hostCores()): number {
  return maxProcesses + Math.max(64, 4 * cores);
}

export interface WatchedLimits {
  cpuSeconds: number;
  maxProcesses: number;
  /** Bytes, or null: no disk limit. */
  diskBytes: number | null;
  /** The run folder whose size counts. */
  folder: string | null;
  /** Memory of all the run's processes together (MB; polled only without a cgroup, which limits it itself). */
  memoryMb: number | null;
}

export interface LimitWatch {
  stop(): void;
  /** The largest address space one of the run's processes had (no cgroup only; 0 with one). */
  maxVsizeBytes(): number;
}

/** Polls the run's limits; `stopFor` is called (once per poll at most) with the limit that was passed. */
export function watchLimits(rootPid: number, cgroup: RunCgroup | null, limits: WatchedLimits, stopFor: (kind: LimitKind) => void): LimitWatch {
  const cpuLimitNs = runCpuSeconds(limits.cpuSeconds) * 1e9;
  let maxVsize = 0;
  const timers: NodeJS.Timeout[] = [];
  if (cgroup) {
    timers.push(
      setInterval(() => {
        if (cgroup.cpuNs() > cpuLimitNs) stopFor('cpu');
        else if (cgroup.pids().length > limits.maxProcesses + SANDBOX_PROCESSES) stopFor('processes');
      }, CPU_POLL_MS),
    );
  }
  let busy = false;
  timers.push(
    setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        const pids = cgroup ? cgroup.pids() : (await descendants(rootPid)).map((s) => s.pid);
        if (!cgroup) {
          const usage = await treeUsage(rootPid);
          maxVsize = Math.max(maxVsize, usage.maxVsizeBytes);
          if (usage.cpuNs > cpuLimitNs) return stopFor('cpu');
          if (limits.memoryMb !== null && usage.rssBytes > limits.memoryMb * 1024 * 1024) return stopFor('memory');
          if (pids.length > limits.maxProcesses + SANDBOX_PROCESSES) return stopFor('processes');
        }
        if (limits.diskBytes !== null && limits.folder !== null) {
          const bytes = (await folderBytes(limits.folder)) + (await deletedOpenBytes(pids));
          if (bytes > limits.diskBytes) stopFor('disk');
        }
      })().finally(() => (busy = false));
    }, cgroup ? SLOW_POLL_MS : TREE_POLL_MS),
  );
  return {
    stop: () => timers.forEach(clearInterval),
    maxVsizeBytes: () => maxVsize,
  };
}
