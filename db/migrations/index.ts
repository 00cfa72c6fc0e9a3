/**
 * The migrations, in the order they run. The list states the order; kysely's Migrator sorts by name,
 * so every name must sort after the one before it (test/unit/migrations-frozen.test.ts checks that,
 * and that no committed migration changes). A static list (rather than reading the folder at run
 * time) works the same from TypeScript sources under jest and from compiled files.
 *
 * The two migrations of 2026-11-29T1300 share a timestamp; databases have run them under these names
 * in this order, so the names stay (a Migrator refuses a database whose executed migration is gone).
 */
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import * as createRuns from './2026-11-28T0100-create-runs';
import * as runStatsAndDecisions from './2026-11-28T0200-run-stats-and-decisions';
import * as queueTasks from './2026-11-28T0300-queue-tasks';
import * as profiles from './2026-11-28T0400-profiles';
import * as runSandbox from './2026-11-29T1000-run-sandbox';
import * as modelPhaseLearning from './2026-11-29T1100-model-phase-learning';
import * as decisionColumns from './2026-11-29T1300-decision-columns';
import * as queueTaskBodies from './2026-11-29T1300-queue-task-bodies';
import * as runVerdictSource from './2026-12-03T1900-run-verdict-source';
import * as rollupOptimizationBucket from './2026-12-03T2300-rollup-optimization-bucket';

export const MIGRATIONS: readonly (readonly [name: string, migration: Migration])[] = [
  ['2026-11-28T0100-create-runs', createRuns],
  ['2026-11-28T0200-run-stats-and-decisions', runStatsAndDecisions],
  ['2026-11-28T0300-queue-tasks', queueTasks],
  ['2026-11-28T0400-profiles', profiles],
  ['2026-11-29T1000-run-sandbox', runSandbox],
  ['2026-11-29T1100-model-phase-learning', modelPhaseLearning],
  ['2026-11-29T1300-decision-columns', decisionColumns],
  ['2026-11-29T1300-queue-task-bodies', queueTaskBodies],
  ['2026-12-03T1900-run-verdict-source', runVerdictSource],
  ['2026-12-03T2300-rollup-optimization-bucket', rollupOptimizationBucket],
];

export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(MIGRATIONS);
  },
};

const position = new Map(MIGRATIONS.map(([name], i) => [name, i]));

/** Migrations executed in the same instant are read back in the list's order. */
function byListOrder(a: string, b: string): number {
  return (position.get(a) ?? Infinity) - (position.get(b) ?? Infinity) || a.localeCompare(b);
}

/** The Migrator of the learning history: every process that migrates or checks the database uses this one. */
export function migratorFor(db: Kysely<any>): Migrator {
  return new Migrator({ db, provider: migrationProvider, nameComparator: byListOrder });
}
