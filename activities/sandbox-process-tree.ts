/**
 * What the worker sees of a run's processes from outside, through the host's /proc: which
 * processes belong to the run (its cgroup's, or every descendant of the process it started when
 * there is no cgroup), their CPU time and address space, and the disk held by files they deleted
 * but keep open (invisible in the run folder). Never throws: a process that ends meanwhile is skipped.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

/** /proc reports times in USER_HZ, 100 on Linux whatever the kernel's HZ. */
const USER_HZ = 100;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime (own threads and reaped children), ns. */
  cpuNs: number;
  vsizeBytes: number;
  rssBytes: number;
}

async function readStat(pid: number): Promise<Stat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return { pid, ppid: Number(f[1]), cpuNs: (ticks / USER_HZ) * 1e9, vsizeBytes: Number(f[20]), rssBytes: Number(f[21]) * 4096 };
  } catch {
    return null;
  }
}

/** Every process descended from `root` (itself included), by the parent links in /proc. */
export async function descendants(root: number): Promise<Stat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = (await Promise.all(names.filter((n) => /^\d+$/.test(n)).map((n) => readStat(Number(n))))).filter((s): s is Stat => s !== null);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: Stat[] = [];
  const self = stats.find((s) => s.pid === root);
  const stack = self ? [self] : [];
  while (stack.length > 0) {
    const s = stack.pop()!;
    out.push(s);
    stack.push(...(children.get(s.pid) ?? []));
  }
  return out;
}

export interface TreeUsage {
  cpuNs: number;
  maxVsizeBytes: number;
  /** Resident memory of all the run's processes together. */
  rssBytes: number;
}

/** CPU time and the largest address space of a run's processes without a cgroup. */
export async function treeUsage(root: number): Promise<TreeUsage> {
  const tree = await descendants(root);
  return { cpuNs: tree.reduce((a, s) => a + s.cpuNs, 0), maxVsizeBytes: tree.reduce((a, s) => Math.max(a, s.vsizeBytes), 0), rssBytes: tree.reduce((a, s) => a + s.rssBytes, 0) };
}

/** Bytes allocated to files the given processes hold open after deleting them (each file counted once). */
export async function deletedOpenBytes(pids: readonly number[]): Promise<number> {
  const seen = new Set<string>();
  let bytes = 0;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      const path = `/proc/${pid}/fd/${fd}`;
      try {
        if (!(await readlink(path)).endsWith(' (deleted)')) continue;
        const st = await stat(path);
        const key = `${st.dev}:${st.ino}`;
        if (!st.isFile() || seen.has(key)) continue;
        seen.add(key);
        bytes += st.blocks * 512;
      } catch {
        // closed meanwhile
      }
    }
  }
  return bytes;
}
