/** The disk a run folder uses, for the run's disk limit (polled while the run goes on). */
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Entries looked at per poll at most: a run that makes more files than this is over any sane limit anyway. */
const MAX_ENTRIES = 20000;

/**
 * Bytes allocated under `folder` (st_blocks, so sparse files count what they really use). Never
 * throws: files that vanish while it walks are skipped. Returns Infinity past MAX_ENTRIES.
 */
export async function folderBytes(folder: string): Promise<number> {
  let bytes = 0;
  let entries = 0;
  const stack = [folder];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++entries > MAX_ENTRIES) return Infinity;
      const path = join(dir, name);
      try {
        const st = await lstat(path);
        bytes += st.blocks * 512;
        if (st.isDirectory()) stack.push(path);
      } catch {
        // gone meanwhile
      }
    }
  }
  return bytes;
}

/**
 * Whether a regular file under `folder` reached `bytes` (the per-file limit): the mark a process
 * killed by SIGXFSZ leaves, also when a parent reports it only as its own failure (g++ after cc1plus).
 */
export async function fileAtLimit(folder: string, bytes: number): Promise<boolean> {
  const stack = [folder];
  let entries = 0;
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (++entries > MAX_ENTRIES) return false;
      try {
        const st = await lstat(join(dir, name));
        if (st.isDirectory()) stack.push(join(dir, name));
        else if (st.isFile() && st.size >= bytes) return true;
      } catch {
        // gone meanwhile
      }
    }
  }
  return false;
}

/**
 * Deletes the regular files under `folder` changed since `sinceMs`: what a run wrote before its
 * disk limit stopped it (a burst between two polls, preallocated space) does not stay on the host.
 */
export async function removeWrittenSince(folder: string, sinceMs: number): Promise<void> {
  const stack = [folder];
  let entries = 0;
  while (stack.length > 0 && entries < MAX_ENTRIES) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      entries++;
      const path = join(dir, name);
      try {
        const st = await lstat(path);
        if (st.isDirectory()) stack.push(path);
        else if (st.ctimeMs >= sinceMs) await unlink(path); // ctime: a candidate can set mtime back, not ctime
      } catch {
        // gone meanwhile
      }
    }
  }
}
