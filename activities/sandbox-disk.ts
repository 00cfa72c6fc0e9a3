/** The disk a run folder uses, for the run's disk limit (polled while the run goes on). */
import { lstat, readdir } from 'node:fs/promises';
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
