/**
 * `kisystem files <workflow id>`: where each run's files are (its run folder on the host that built
 * it), and whether they are still kept here or were cleaned (config `run_folders`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { resultNotePath } from '../activities/run-folder-cleanup';
import { runFolderPath } from '../activities/run-folder';
import type { Database } from '../db/tables';
import type { Settings } from '../runtime/settings';
import { table } from './format-table';

/** The work root a GPU worker with these settings uses (the same rule as workers/gpu-worker.ts). */
export function workRootFor(settings: Pick<Settings, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): string {
  return env.KISYSTEM_WORK_DIR || join(settings.dataDir, 'runs');
}

export async function showRunFiles(db: Kysely<Database>, settings: Pick<Settings, 'dataDir'>, workflowId: string, out: (line: string) => void): Promise<boolean> {
  const runs = await db
    .selectFrom('runs')
    .select(['workflow_run_id', 'attempt_no', 'host', 'outcome', 'phase', 'sandbox'])
    .where('workflow_id', '=', workflowId)
    .orderBy('attempt_no')
    .execute();
  if (runs.length === 0) {
    out(`no runs recorded for ${workflowId}`);
    return false;
  }
  const root = workRootFor(settings);
  out(table(
    ['run', 'host', 'result', 'sandbox', 'files', 'kept here'],
    runs.map((r) => {
      const folder = runFolderPath(root, workflowId, r.workflow_run_id, r.attempt_no);
      const kept = existsSync(folder) ? (existsSync(resultNotePath(folder)) ? 'yes' : 'yes (no test result)') : 'no (cleaned, or on another host)';
      return [r.attempt_no, r.host ?? '', r.outcome === 'success' ? 'passed' : `failed in ${r.phase}`, r.sandbox === 'none' ? 'unsandboxed' : (r.sandbox ?? ''), folder, kept];
    }),
  ));
  return true;
}
