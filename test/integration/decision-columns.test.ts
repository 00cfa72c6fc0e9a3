/**
 * The persistence contract in columns on a real PostgreSQL: the stop-loss statistics of
 * `kisystem stats` read runs.decision_kind / decision_rule, never the display text; rows recorded
 * before the migration are mapped once from their text.
 */
import { sql } from 'kysely';
import { createLearningActivities } from '../../activities/learning';
import type { RecordRunInput } from '../../contracts/activity-types';
import { ensureDatabase, openDatabase } from '../../db/database';
import { escalationStats } from '../../db/meta-repository';
import { migratorFor } from '../../db/migrations';
import { createTestDatabase, dropDatabase, testDatabaseUrl, type TestDatabase } from '../helpers/test-database';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_decisions');
});
afterAll(async () => {
  await testDb?.drop();
});

function run(i: number, over: Partial<RecordRunInput>): RecordRunInput {
  return {
    taskId: `t${i}`, workflowId: `wf${i}`, workflowRunId: `r${i}`, attemptNo: 1, domain: 'C++/System', model: 'deepseek-coder-v2:16b', source: 'model', phase: 'TEST',
    outcome: 'failure', errorType: 'LOGIC', severity: 2, recoverable: true, rule: null, firstErrorLine: null, hint: null, decision: null,
    llmMs: 1000, buildMs: 0, testMs: 0, startedAt: '2026-11-29T10:00:00.000Z', finishedAt: '2026-11-29T10:01:00.000Z', host: 'h', code: null, output: null, ...over,
  };
}

describe('decision columns', () => {
  it('counts escalations and stop-loss triggers from the columns: rewording the message changes nothing', async () => {
    const { recordRun } = createLearningActivities({ db: testDb.db });
    await recordRun(run(1, { decision: 'escalate to qwen2.5-coder:32b (stoploss: 2 of 2 failed runs)', decisionKind: 'escalate', decisionRule: 'stoploss' }));
    const before = await escalationStats(testDb.db);
    // Same decision, the message reworded: the figures follow the columns.
    await recordRun(run(2, { decision: 'Stop-Loss erreicht, weiter mit qwen2.5-coder:32b', decisionKind: 'escalate', decisionRule: 'stoploss' }));
    await recordRun(run(3, { decision: 'hochgestuft (Schweregrad)', decisionKind: 'escalate', decisionRule: 'severity' }));
    // Text that looks like a stop-loss escalation but says in its columns that it was a retry: not counted.
    await recordRun(run(4, { decision: 'escalate to x (stoploss: looks like one)', decisionKind: 'retry', decisionRule: 'below-stoploss' }));
    expect(before).toEqual([{ domain: 'C++/System', escalations: 1, stoplossTriggers: 1 }]);
    expect(await escalationStats(testDb.db)).toEqual([{ domain: 'C++/System', escalations: 3, stoplossTriggers: 2 }]);
  });

  it('maps the runs recorded before the migration once from their text, and the rollup agrees', async () => {
    const url = testDatabaseUrl('kisystem_decisions_old');
    await ensureDatabase(url);
    const db = openDatabase(url);
    try {
      const migrator = migratorFor(db);
      const to = await migrator.migrateTo('2026-11-28T0400-profiles');
      expect(to.error).toBeUndefined();
      const texts = [
        'retry deepseek-coder-v2:16b (1 of 2 failed runs of deepseek-coder-v2:16b)',
        'escalate to qwen2.5-coder:32b (stoploss: 2 of 2 failed runs of deepseek-coder-v2:16b -> qwen2.5-coder:32b)',
        'escalate to qwen2.5-coder:32b (severity: severity 4 -> qwen2.5-coder:32b)',
        'manual fallback (chain-exhausted: x; y was the last model of the chain)',
        'manual fallback (non-recoverable: ENV error is not recoverable by any model)',
      ];
      for (const [i, decision] of texts.entries()) {
        await sql`insert into runs (task_id, workflow_id, workflow_run_id, attempt_no, domain, model, source, phase, outcome, decision, llm_ms, build_ms, test_ms, duration_ms, started_at, finished_at)
          values (${`t${i}`}, ${`w${i}`}, ${`r${i}`}, 1, 'C++/System', 'm', 'model', 'TEST', 'failure', ${decision}, 1, 0, 0, 1, now(), now())`.execute(db);
      }
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const rows = await sql<{ decision_kind: string; decision_rule: string }>`select decision_kind, decision_rule from runs order by task_id`.execute(db);
      expect(rows.rows.map((r) => [r.decision_kind, r.decision_rule])).toEqual([
        ['retry', 'below-stoploss'],
        ['escalate', 'stoploss'],
        ['escalate', 'severity'],
        ['fallback', 'chain-exhausted'],
        ['fallback', 'non-recoverable'],
      ]);
      expect(await escalationStats(db)).toEqual([{ domain: 'C++/System', escalations: 2, stoplossTriggers: 1 }]);
    } finally {
      await db.destroy();
      await dropDatabase(url);
    }
  });
});
