/**
 * Frozen. Issue 10: which sandbox a run's build and test ran in ('bubblewrap', 'none' =
 * unsandboxed); null for runs recorded before and for runs that built nothing.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs add column sandbox text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table runs drop column sandbox`.execute(db);
}
