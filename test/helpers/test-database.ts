/** A PostgreSQL database of its own for one test file: created and migrated, dropped afterwards. */
import type { Kysely } from 'kysely';
import { dropDatabase, prepareDatabase } from '../../db/database';
import type { Database } from '../../db/tables';
import { uniqueName } from './temporal-env';

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

/** The database name is unique per call, so test files never share history. */
export function testDatabaseUrl(prefix: string): string {
  return `postgres://postgres@127.0.0.1:5432/${uniqueName(prefix).replace(/-/g, '_')}`;
}

export { dropDatabase };

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const url = testDatabaseUrl(prefix);
  const db = await prepareDatabase(url);
  return {
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(url);
    },
  };
}
