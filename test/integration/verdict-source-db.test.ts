/**
 * Each run records where its verdict came from, on a real Temporal dev server, real Postgres and
 * real g++: a checked task's runs are 'checker' and counted; an old-format task (the harness prints
 * its own KISYSTEM_VERDICT line) records 'self-reported' runs that the learning leaves out (the
 * daily rollup, the model aggregates and `kisystem stats`), unless learning.include_self_reported.
 */
import { modelAggregates } from '../../db/meta-repository';
import { runsOfWorkflow } from '../../db/runs-repository';
import { verdictCounts } from '../../db/verdict-stats';
import type { ResolvedTask } from '../../policy/schemas/task-schema';
import { twiceTask, useRealTaskWorld } from '../helpers/real-task-run';
import { workflowTestConfig } from '../helpers/workflow-test-env';

jest.setTimeout(180_000);

const world = useRealTaskWorld('verdict-source');

/** The old format: the harness checks and prints its own verdict (the answer could print one too). */
const SELF_REPORTING_HARNESS = `#include <cstdio>
int twice(int x);
int main() {
  for (int x = 0; x < 50; ++x) if (twice(x) != 2 * x) { std::printf("KISYSTEM_VERDICT: FAIL twice(%d)\\n", x); return 1; }
  std::printf("KISYSTEM_VERDICT: PASS\\n");
  return 0;
}
`;
const oldFormat: ResolvedTask = { ...twiceTask, id: 'twice-old', domain: 'Audio/DSP', harnessFiles: [{ path: 'harness.cpp', content: SELF_REPORTING_HARNESS }] };

async function rollupRuns(domain: string): Promise<number> {
  const row = await world.db().selectFrom('run_stats_daily' as never).select((eb) => eb.fn.sum<string>('runs' as never).as('n')).where('domain' as never, '=', domain as never).executeTakeFirst();
  return Number((row as { n: string | null } | undefined)?.n ?? 0);
}

describe('the verdict source of each run', () => {
  it('a checked task: verdict_source checker, counted by the learning', async () => {
    const run = await world.run(twiceTask);
    expect(run.outcome).toMatchObject({ status: 'succeeded', runs: [expect.objectContaining({ verdictSource: 'checker' })] });
    expect((await runsOfWorkflow(world.db(), run.workflowId)).map((r) => [r.verdict_source, r.in_learning])).toEqual([['checker', true]]);
    expect(await rollupRuns('C++/System')).toBe(1);
  });

  it('an old-format task: self-reported, recorded but left out of the learning', async () => {
    const run = await world.run(oldFormat);
    expect(run.outcome).toMatchObject({ status: 'succeeded', runs: [expect.objectContaining({ verdictSource: 'self-reported' })] });
    expect((await runsOfWorkflow(world.db(), run.workflowId)).map((r) => [r.verdict_source, r.in_learning, r.outcome])).toEqual([['self-reported', false, 'success']]);
    expect(await rollupRuns('Audio/DSP')).toBe(0);
    expect((await modelAggregates(world.db(), new Date(), 30, 'Audio/DSP'))).toEqual([]);
    expect(await verdictCounts(world.db())).toContainEqual({ domain: 'Audio/DSP', model: 'deepseek-coder-v2:16b', checker: 0, selfReported: 1, leftOut: 1, unknown: 0 });
  });

  it('an old-format task with learning.include_self_reported: marked, and counted', async () => {
    const config = workflowTestConfig({ timeouts: { manual_fallback: 1, heartbeat: 10 }, learning: { include_self_reported: true } });
    const run = await world.run({ ...oldFormat, domain: 'Tests/Docs' }, config);
    expect((await runsOfWorkflow(world.db(), run.workflowId)).map((r) => [r.verdict_source, r.in_learning, r.outcome])).toEqual([['self-reported', true, 'success']]);
    expect(await rollupRuns('Tests/Docs')).toBe(1);
  });
});
