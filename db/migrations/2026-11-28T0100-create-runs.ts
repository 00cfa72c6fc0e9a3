/** Frozen: the first schema of the learning history. Later changes get a new migration file. */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('workflow_run_id', 'text', (c) => c.notNull())
    .addColumn('attempt_no', 'integer', (c) => c.notNull())
    .addColumn('domain', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('model'))
    .addColumn('phase', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('success', 'failure')`))
    .addColumn('error_type', 'text')
    .addColumn('severity', 'smallint', (c) => c.check(sql`severity between 1 and 5`))
    .addColumn('recoverable', 'boolean')
    .addColumn('rule', 'text')
    .addColumn('first_error_line', 'text')
    .addColumn('hint', 'text')
    .addColumn('decision', 'text')
    .addColumn('llm_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('build_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('test_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('host', 'text')
    .addColumn('code', 'text')
    .addColumn('output', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('finished_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('runs_one_per_attempt', ['workflow_run_id', 'attempt_no'])
    .execute();
  // The Meta-Supervisor aggregates by domain and by (domain, model) over time windows.
  await db.schema.createIndex('runs_domain_finished').on('runs').columns(['domain', 'finished_at']).execute();
  await db.schema.createIndex('runs_domain_model_finished').on('runs').columns(['domain', 'model', 'finished_at']).execute();
  await db.schema.createIndex('runs_task').on('runs').columns(['task_id', 'finished_at']).execute();
  await db.schema.createIndex('runs_workflow').on('runs').columns(['workflow_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('runs').execute();
}
