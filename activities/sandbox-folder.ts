/**
 * Owners and modes of the folders model code writes (a run folder, its trusted checker folder).
 * The folder is handed to the user model code runs as (activities/sandbox-user.ts), and the folder
 * above it is closed to every other local user (root-owned, mode 0710, group of the sandbox user;
 * 0700 for a worker that is not root): whatever modes the candidate gives its own folder, nothing
 * it leaves there, set-uid or not, can be reached by another user. After each step the folder is
 * closed again (0700) and the set-id bits of everything in it are cleared as well.
 */
import { chmod, chown, lchown, lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SandboxUser } from './sandbox-user';

/** Entries looked at per walk at most (a run past this is over its disk limit anyway). */
const MAX_ENTRIES = 50000;

/** Depth-first walk of `folder` (itself included), without following links; never throws. */
async function walk(folder: string, visit: (path: string, mode: number, isDir: boolean) => Promise<void>): Promise<void> {
  const stack = [folder];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_ENTRIES) {
    const path = stack.pop()!;
    seen++;
    try {
      const st = await lstat(path);
      await visit(path, st.mode, st.isDirectory());
      if (st.isDirectory()) for (const name of await readdir(path)) stack.push(join(path, name));
    } catch {
      // vanished meanwhile, or unreadable: the next walk (or the cleanup, as the owner) gets it
    }
  }
}

/** Gives `folder` and everything in it to `user` (null: keeps the worker's own); its parent is closed to others. */
export async function handOverFolder(folder: string, user: SandboxUser | null): Promise<void> {
  const parent = dirname(folder);
  // The parent is closed to other users: it must be the worker's own folder, never a shared one like /tmp.
  if (((await lstat(parent)).mode & 0o1002) !== 0) throw new Error(`refusing to close ${parent}: it is shared (world-writable or sticky), not a folder of the worker's`);
  if (user) {
    await walk(folder, (path) => lchown(path, user.uid, user.gid));
    await chown(parent, 0, user.gid);
    await chmod(parent, 0o710);
  } else {
    await chmod(parent, 0o700);
  }
  await chmod(folder, 0o700);
}

/** After a step: the folder closed again and set-id bits cleared (a candidate may have opened or set them). */
export async function closeAfterStep(folder: string): Promise<void> {
  await chmod(folder, 0o700).catch(() => undefined);
  await clearSetIdBits(folder);
}

const SET_ID = 0o6000;

/** Clears set-uid and set-gid bits under `folder` (what a candidate left behind). */
export async function clearSetIdBits(folder: string): Promise<void> {
  await walk(folder, async (path, mode) => {
    // A link's mode is not its target's; chmod would follow it out of the folder.
    if ((mode & 0o170000) === 0o120000) return;
    if (mode & SET_ID) await chmod(path, mode & 0o7777 & ~SET_ID);
  });
}

/** Opens every folder under `folder` to its owner again (a candidate's chmod 000 stops a non-root rm). */
export async function reopenFolders(folder: string): Promise<void> {
  const stack = [folder];
  let seen = 0;
  while (stack.length > 0 && seen++ < MAX_ENTRIES) {
    const dir = stack.pop()!;
    try {
      await chmod(dir, 0o700);
      for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isDirectory()) stack.push(join(dir, entry.name));
    } catch {
      // not ours (root-made) or gone
    }
  }
}
