/** Reading and writing runs. Functions take `db` so that tests pass a real database of their own. */
import type { Kysely } from 'kysely';
import type { Database, NewRun, RunRow } from './tables';

/** Inserts a run once: a retried insert of the same (workflow run, attempt) adds nothing. Returns true when it was new. */
export async function insertRunOnce(db: Kysely<Database>, run: NewRun): Promise<boolean> {
  const inserted = await db
    .insertInto('runs')
    .values(run)
    .onConflict((oc) => oc.columns(['workflow_run_id', 'attempt_no']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function runsOfWorkflow(db: Kysely<Database>, workflowId: string): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('workflow_id', '=', workflowId).orderBy('attempt_no').execute();
}

export async function runsOfTask(db: Kysely<Database>, taskId: string): Promise<RunRow[]> {
  return db.selectFrom('runs').selectAll().where('task_id', '=', taskId).orderBy('finished_at').execute();
}
