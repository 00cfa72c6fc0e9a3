/** `kisystem report <workflow id>` and `kisystem stats --html`: gather, render, write one file, say where. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables';
import type { KisystemConfig } from '../../policy/schemas/config-schema';
import { workflowUrl, type Settings } from '../../runtime/settings';
import { loadLearningReport, renderLearningReport } from './learning-report';
import { loadTaskReport } from './task-report-data';
import { renderTaskReport } from './task-report';

/** A file name from a workflow id (ids may hold characters a file name should not). */
function fileNameOf(workflowId: string): string {
  return `kisystem-report-${workflowId.replace(/[^\w.-]+/g, '_')}.html`;
}

export async function writeTaskReport(client: Client, db: Kysely<Database>, settings: Settings, workflowId: string, out: string | undefined, log: (line: string) => void): Promise<string> {
  const data = await loadTaskReport(client, db, workflowId, workflowUrl(settings, workflowId));
  const path = resolve(out ?? fileNameOf(workflowId));
  writeFileSync(path, renderTaskReport(data));
  log(`${workflowId}: report written to ${path} (one file, opens offline)`);
  return path;
}

export async function writeLearningReport(db: Kysely<Database>, config: KisystemConfig, out: string | undefined, log: (line: string) => void): Promise<string> {
  const data = await loadLearningReport(db, config.meta_supervisor.aging_days);
  const path = resolve(out ?? 'kisystem-learning-report.html');
  writeFileSync(path, renderLearningReport(data));
  log(`learning report written to ${path} (one file, opens offline)`);
  return path;
}
