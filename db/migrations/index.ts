/**
 * The list of migrations, in order. A static provider (rather than reading the folder at run time)
 * works the same from TypeScript sources under jest and from compiled files.
 */
import type { Migration, MigrationProvider } from 'kysely';
import * as createRuns from './2026-11-28T0100-create-runs';
import * as runStatsAndDecisions from './2026-11-28T0200-run-stats-and-decisions';
import * as queueTasks from './2026-11-28T0300-queue-tasks';
import * as profiles from './2026-11-28T0400-profiles';
import * as runSandbox from './2026-11-29T1000-run-sandbox';
import * as modelPhaseLearning from './2026-11-29T1100-model-phase-learning';
import * as decisionColumns from './2026-11-29T1300-decision-columns';
import * as queueTaskBodies from './2026-11-29T1300-queue-task-bodies';
import * as runVerdictSource from './2026-12-03T1900-run-verdict-source';

export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '2026-11-28T0100-create-runs': createRuns,
      '2026-11-28T0200-run-stats-and-decisions': runStatsAndDecisions,
      '2026-11-28T0300-queue-tasks': queueTasks,
      '2026-11-28T0400-profiles': profiles,
      '2026-11-29T1000-run-sandbox': runSandbox,
      '2026-11-29T1100-model-phase-learning': modelPhaseLearning,
      '2026-11-29T1300-decision-columns': decisionColumns,
      '2026-11-29T1300-queue-task-bodies': queueTaskBodies,
      '2026-12-03T1900-run-verdict-source': runVerdictSource,
    };
  },
};
