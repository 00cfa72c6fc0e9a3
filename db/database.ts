/** Connecting to the learning history: create the database when missing, migrate, open kysely. */
import { Kysely, PostgresDialect } from 'kysely';
import { Client, Pool } from 'pg';
import { migratorFor } from './migrations';
import type { Database } from './tables';
import { DEFAULT_DATABASE_URL, settingsFromEnv } from '../runtime/settings';

export { DEFAULT_DATABASE_URL };

/** DATABASE_URL (runtime/settings.ts parses and checks it), else the local default. */
export function databaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return settingsFromEnv(env).databaseUrl ?? DEFAULT_DATABASE_URL;
}

export class DatabaseUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`cannot reach the learning history at ${redact(url)}: ${(cause as Error)?.message ?? cause}. ` +
      'Is PostgreSQL running? (set DATABASE_URL to point elsewhere)');
    this.name = 'DatabaseUnavailableError';
  }
}

/** Hides a password in a connection string before it reaches a log. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** Drops the database named in `url` (connections to it are ended first); nothing when it does not exist. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`no database named in ${redact(url)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  } finally {
    await client.end();
  }
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error(`DATABASE_URL names no database: ${redact(url)}`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (error) {
    throw new DatabaseUnavailableError(url, error);
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database "${name.replace(/"/g, '""')}"`);
      } catch (error) {
        // Two processes may create it at once; the loser sees "already exists".
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}

export function openDatabase(url: string, poolSize = 5): Kysely<Database> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // An idle connection that the server closes (restart, failover, a dropped database) is reported
  // here; without a listener Node would end the whole process. The next query opens a new connection.
  pool.on('error', (error) => console.error(`kisystem: idle connection to ${redact(url)} lost: ${error.message}`));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrate(db: Kysely<Database>): Promise<string[]> {
  const migrator = migratorFor(db);
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error)?.message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Creates, migrates and opens the learning history: what every process that writes to it does first. */
export async function prepareDatabase(url = databaseUrl()): Promise<Kysely<Database>> {
  await ensureDatabase(url);
  const db = openDatabase(url);
  await migrate(db);
  return db;
}
