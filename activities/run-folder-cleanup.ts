/**
 * Cleans a host's run folders by config `run_folders` (policy/rules/run-folder-retention.ts), and lists
 * where a run's files are while kept. A run folder is `<work root>/<workflow id>/<run id>/run-<n>`;
 * its trusted checker folder `run-<n>.trusted` and result note `run-<n>.result.json` go with it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foldersToDelete, type RetentionPolicy, type RunFolderInfo } from '../policy/rules/run-folder-retention';
import { folderBytes } from './sandbox-disk';
import { reopenFolders } from './sandbox-folder';

/** Written by the test activity next to (never inside) the run folder: whether the run passed. */
export function resultNotePath(runFolder: string): string {
  return `${runFolder.replace(/\/+$/, '')}.result.json`;
}

export async function writeResultNote(runFolder: string, passed: boolean): Promise<void> {
  await writeFile(resultNotePath(runFolder), JSON.stringify({ passed, at: new Date().toISOString() }), 'utf8');
}

function passed(runFolder: string): boolean {
  try {
    return existsSync(resultNotePath(runFolder)) && JSON.parse(readFileSync(resultNotePath(runFolder), 'utf8')).passed === true;
  } catch {
    return false;
  }
}

async function subfolders(folder: string): Promise<string[]> {
  try {
    return (await readdir(folder, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(folder, d.name));
  } catch {
    return [];
  }
}

/** Every run folder under the work root (`<wf>/<run>/run-<n>`). */
export async function listRunFolders(workRoot: string): Promise<RunFolderInfo[]> {
  const found: RunFolderInfo[] = [];
  for (const workflow of await subfolders(workRoot)) {
    for (const execution of await subfolders(workflow)) {
      for (const run of await subfolders(execution)) {
        if (!/\/run-\d+$/.test(run)) continue;
        try {
          const st = await stat(run);
          const trusted = `${run}.trusted`;
          const bytes = (await folderBytes(run)) + (existsSync(trusted) ? await folderBytes(trusted) : 0);
          // The folder is the candidate's: it may date it 2100 (utime). Its ctime (set by the kernel, never
          // later than now) and the worker's own result note bound the date it can claim.
          const note = await stat(resultNotePath(run)).catch(() => null);
          const mtimeMs = Math.min(st.mtimeMs, st.ctimeMs, note ? note.mtimeMs : Infinity);
          found.push({ path: run, mtimeMs, bytes, failed: !passed(run) });
        } catch {
          // removed meanwhile
        }
      }
    }
  }
  return found;
}

/** Deletes what the policy says; returns the folders removed. Never throws for a folder that vanished. */
export async function cleanRunFolders(workRoot: string, policy: RetentionPolicy, nowMs = Date.now()): Promise<string[]> {
  const doomed = foldersToDelete(await listRunFolders(workRoot), policy, nowMs);
  for (const f of doomed) {
    for (const path of [f.path, `${f.path}.trusted`, resultNotePath(f.path)]) {
      // A folder the candidate closed (chmod 000) stops a worker that is not root: opened again, then removed.
      await rm(path, { recursive: true, force: true }).catch(async () => {
        await reopenFolders(path);
        await rm(path, { recursive: true, force: true });
      });
    }
  }
  // Empty workflow and execution folders go too.
  for (const workflow of await subfolders(workRoot)) {
    for (const execution of await subfolders(workflow)) if ((await readdir(execution)).length === 0) await rm(execution, { recursive: true, force: true });
    if ((await readdir(workflow)).length === 0) await rm(workflow, { recursive: true, force: true });
  }
  return doomed.map((f) => f.path);
}
