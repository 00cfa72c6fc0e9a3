/** The fresh folder of one run: harness files and the model's files, never written outside it. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { ExtractedFile } from '../policy/parsers/extract-code';
import type { TaskFileContent } from '../policy/schemas/task-schema';

/** Where a run's files live: `<workRoot>/<workflow id>/<workflow run id>/run-<n>`. */
export function runFolderPath(workRoot: string, workflowId: string, workflowRunId: string, attemptNo: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join(workRoot, safe(workflowId), safe(workflowRunId), `run-${attemptNo}`);
}

/** Resolves `name` inside `folder`, or returns null when it would land outside. */
export function insideFolder(folder: string, name: string): string | null {
  const target = resolve(folder, name);
  const rel = relative(folder, target);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..') || resolve(target) !== target) return null;
  return target;
}

/**
 * Lays out a fresh run folder (a retried build starts from scratch). A model file that would leave
 * the folder is refused with a non-retryable failure; the workflow normally refuses it earlier.
 */
export async function prepareRunFolder(
  folder: string,
  harnessFiles: readonly TaskFileContent[],
  modelFiles: readonly ExtractedFile[],
): Promise<void> {
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  for (const file of [...harnessFiles, ...modelFiles]) {
    const target = insideFolder(folder, file.path);
    if (!target) {
      throw ApplicationFailure.create({
        type: 'UnsafeFileName',
        message: `refused to write ${JSON.stringify(file.path)}: it would land outside the run folder`,
        nonRetryable: true,
      });
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, 'utf8');
  }
}
