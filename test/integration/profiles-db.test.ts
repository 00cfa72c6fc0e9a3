/** The two-tier profiling history on a real PostgreSQL: one row per profiled iteration, and the guide's figures. */
import type { Kysely } from 'kysely';
import { createProfileHistoryActivities, type RecordProfileInput } from '../../activities/profile-history';
import { profileStats } from '../../db/profiles-repository';
import type { Database } from '../../db/tables';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database';

let testDb: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase('kisystem_profiles_test');
  ({ db } = testDb);
});

afterAll(async () => {
  await testDb?.drop();
});

const summary = {
  kernelName: 'mm_tiled', launches: 1, medianDurationNs: 1.84e6, smThroughputPct: 76.8, memoryThroughputPct: 91.44, dramThroughputPct: 0.52,
  achievedOccupancyPct: 98.3, bottleneck: 'memory' as const, topRules: [{ name: 'SOLBottleneck', type: 'OPT', estimatedSpeedupPct: null, description: 'd' }],
};

function row(iteration: number, tier: 0 | 1, rule: string, scoreChange: number | null, over: Partial<RecordProfileInput> = {}): RecordProfileInput {
  return {
    taskId: 'matmul', workflowId: 'wf-1', workflowRunId: 'run-1', attemptNo: iteration + 1, iteration, domain: 'CUDA/Kernel', model: 'm',
    tier, rule, summary: `iteration ${iteration}: tier ${tier}`, score: 75, scoreChange, timeMs: 1, accepted: true,
    microbenchMs: 1000, fullProfileMs: tier === 1 ? 20000 : 0, tool: tier === 1 ? 'ncu' : null, fellBack: null, profile: tier === 1 ? summary : null, ...over,
  };
}

describe('profiles', () => {
  it('stores each profiled iteration once and computes the two-tier figures from measured durations', async () => {
    const { recordProfile } = createProfileHistoryActivities({ db });
    // The guide's flow 75, 78, 82, 88 and then a fall of 7 caught at tier 1.
    const rows = [row(0, 1, 'baseline', null), row(1, 0, 'no-trigger', 3), row(2, 0, 'no-trigger', 4), row(3, 1, 'score-change', 6), row(4, 1, 'score-change', -7, { accepted: false }), row(5, 0, 'no-trigger', -2)];
    for (const r of rows) expect(await recordProfile(r)).toBe(true);
    expect(await recordProfile(rows[0]!)).toBe(false);
    const stored = await db.selectFrom('profiles').selectAll().orderBy('iteration').execute();
    expect(stored).toHaveLength(6);
    expect(stored[0]).toMatchObject({ tier: 1, rule: 'baseline', kernel_name: 'mm_tiled', memory_throughput_pct: 91.44, bottleneck: 'memory', top_rules: summary.topRules });
    expect(stored[1]).toMatchObject({ tier: 0, kernel_name: null, full_profile_ms: 0 });

    const stats = await profileStats(db, { taskId: 'matmul' });
    // 3 full profiles at 20 s, 6 microbenchmarks at 1 s: 66 s spent; all full would be 6 x 21 s = 126 s.
    expect(stats).toEqual({
      tier0: 3, tier1: 3, tier0PerTier1: 1, profilingMs: 66000, allFullMs: 126000, savedMs: 60000, savedPct: (60000 / 126000) * 100,
      regressionsCaught: 1, fallsAtTier0: 1,
    });
    expect((await profileStats(db, { taskId: 'other' })).savedPct).toBeNull();
  });
});
