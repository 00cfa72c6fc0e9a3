/**
 * Where a program named on the worker's PATH lives, and what a sandbox must see to start it. A
 * sandboxed step has its own PATH (activities/sandbox.ts `sandboxPath`), so a profiler installed
 * outside /usr (Nsight Compute under /opt, a folder put on the worker's PATH) is started by its
 * absolute path with its folder bound read-only.
 */
import { accessSync, constants, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';

/** The first executable file `name` on `pathEnv` (absolute), or null. */
export function findOnPath(name: string, pathEnv: string | undefined = process.env.PATH): string | null {
  if (name.includes('/')) return isAbsolute(name) && isExecutableFile(name) ? name : null;
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return null;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folders a sandbox must bind read-only to start `program` (an absolute path): its folder and the
 * folder of what it links to, unless under /usr (the sandbox sees /usr already).
 */
export function foldersToBind(program: string): string[] {
  const folders = new Set<string>([dirname(program)]);
  try {
    folders.add(dirname(realpathSync(program)));
  } catch {
    // a dangling link: starting it fails with a clear error anyway
  }
  return [...folders].filter((f) => f !== '/usr' && !f.startsWith('/usr/'));
}
