/**
 * Benchmark of the Meta-Supervisor's reads at scale: seeds N runs (default 1,000,000) over
 * 5 domains, 7 models and a year of timestamps into a database of its own, through the real
 * `runs` table and its rollup trigger, then prints the median time of each call and its query plan.
 *
 *   npm run build && node dist/scripts/bench-meta-supervisor.js [--runs 1000000] [--reps 25]
 *
 * Target (issue): every call under 100 ms at 1,000,000 runs.
 */
import { parseArgs } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { Client } from 'pg';
import { createMetaActivities } from '../activities/meta';
import { ensureDatabase, migrate, openDatabase } from '../db/database';
import type { Database } from '../db/tables';
import { biasHitRate, domainAggregates, escalationStats, modelAggregates } from '../db/meta-repository';
import { defaultConfig } from '../policy/schemas/config-schema';
import { explainPriority, nextPriorities, recommendModelBias } from '../policy/rules/meta-supervisor';

const BATCH = 5000;

/** Inserts runs first..last; success probability depends on (domain, model), so the bias has something to find. */
async function seedBatch(db: Kysely<Database>, first: number, last: number): Promise<void> {
  await sql`
    insert into runs (task_id, workflow_id, workflow_run_id, attempt_no, domain, model, source, phase, outcome, error_type, severity, decision,
      llm_ms, build_ms, test_ms, duration_ms, started_at, finished_at)
    select 'task-' || (g % 20000), 'wf-' || (g / 3), 'run-' || (g / 3), g % 3 + 1, d.domain, m.model, 'model', 'TEST',
      case when random() < 0.45 + 0.07 * ((d.i * 3 + m.i) % 7) then 'success' else 'failure' end,
      null, null, case when g % 11 = 0 then 'escalate to x (stoploss: 2 failed runs)' else null end,
      (random() * 300000)::int, (random() * 20000)::int, (random() * 10000)::int, (random() * 330000)::int,
      t - interval '5 minutes', t
    from generate_series(${first}::int, ${last}::int) g
    cross join lateral (select (g % 5) as i) di
    cross join lateral (select (array['CUDA/Kernel','C++/System','Audio/DSP','Tests/Docs','Planning/Refactor'])[di.i + 1] as domain, di.i as i) d
    cross join lateral (select ((g / 5) % 7) as i) mi
    cross join lateral (select (array['qwen2.5-coder:32b','deepseek-r1:32b','deepseek-coder-v2:16b','qwen2.5:32b','mistral:7b','phi4:latest','llama3.1:8b'])[mi.i + 1] as model, mi.i as i) m
    -- referencing g makes the time random per row (an uncorrelated lateral subquery runs once)
    cross join lateral (select now() - random() * interval '365 days' - (g % 2) * interval '0 seconds' as t) ts`.execute(db);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000000' }, reps: { type: 'string', default: '25' }, keep: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  const reps = Number(values.reps);
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/kisystem_bench';
  const admin = new Client({ connectionString: base.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  const name = new URL(base).pathname.slice(1);
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
  await ensureDatabase(base);
  const db = openDatabase(base);
  await migrate(db);
  const config = defaultConfig();

  console.log(`seeding ${runs.toLocaleString('en')} runs (5 domains, 7 models, 365 days) through the runs table and its rollup trigger, ${BATCH} per transaction ...`);
  const seedStart = Date.now();
  // Batches, like runs arriving over time: between transactions the rollup's dead row versions are
  // pruned (HOT), as in normal operation, instead of piling up inside one giant transaction.
  for (let first = 1; first <= runs; first += BATCH) await seedBatch(db, first, Math.min(runs, first + BATCH - 1));
  // What autovacuum would have done by now.
  await sql`vacuum analyze runs`.execute(db);
  await sql`vacuum analyze run_stats_daily`.execute(db);
  const rollup = await sql<{ n: string; pages: number }>`select count(*) as n, (select relpages from pg_class where relname = 'run_stats_daily') as pages from run_stats_daily`.execute(db);
  console.log(`seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s; rollup: ${rollup.rows[0]!.n} rows in ${rollup.rows[0]!.pages} pages`);

  const meta = createMetaActivities({ db });
  const calls: [string, () => Promise<unknown>][] = [
    ['nextPriorities (priorities)', async () => nextPriorities(await domainAggregates(db), new Date(), config, 5)],
    ['recommendModelBias (bias)', async () => recommendModelBias(await modelAggregates(db, new Date(), 30), config.routing, config.meta_supervisor)],
    ['explainPriority (explain CUDA/Kernel)', async () => explainPriority((await domainAggregates(db)).find((d) => d.domain === 'CUDA/Kernel')!, new Date(), config)],
    ['statistics (stats)', async () => Promise.all([domainAggregates(db), modelAggregates(db, new Date(), 30), escalationStats(db), biasHitRate(db)])],
    ['loadMetaSnapshot (workflow start)', async () => meta.loadMetaSnapshot({ taskId: 'task-42', domain: 'CUDA/Kernel', chain: config.routing['CUDA/Kernel'], settings: config })],
  ];
  console.log(`\nmedian of ${reps} calls each (after 3 warm-up calls), ${runs.toLocaleString('en')} runs:`);
  for (const [label, call] of calls) {
    for (let i = 0; i < 3; i++) await call();
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = process.hrtime.bigint();
      await call();
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    console.log(`  ${label.padEnd(40)} ${median.toFixed(2).padStart(8)} ms   (min ${times[0]!.toFixed(2)}, max ${times[times.length - 1]!.toFixed(2)})  ${median < 100 ? 'ok' : 'OVER 100 ms'}`);
  }

  console.log('\nquery plans:');
  const plans: [string, ReturnType<typeof sql>][] = [
    ['domain aggregates', sql`explain (analyze, buffers) select domain, sum(runs), sum(successes), sum(duration_ms_sum)::double precision / nullif(sum(runs), 0) / 1000.0, max(last_failure_at), max(last_success_at) from run_stats_daily group by domain`],
    ['model aggregates (aged)', sql`explain (analyze, buffers) select domain, model, sum(runs), sum(exp(-date_part('epoch', now() - (day::timestamp at time zone 'UTC')) / 86400.0 / 30) * (successes + success_p1 / 30.0)) from run_stats_daily where source <> 'manual' group by domain, model`],
    ['earlier failures of a task', sql`explain (analyze, buffers) select count(*) from runs where task_id = 'task-42' and outcome = 'failure'`],
  ];
  for (const [label, query] of plans) {
    const plan = await query.execute(db);
    console.log(`-- ${label}`);
    for (const row of plan.rows as { 'QUERY PLAN': string }[]) console.log(`   ${row['QUERY PLAN']}`);
  }
  await db.destroy();
  if (!values.keep) {
    const cleanup = new Client({ connectionString: base.replace(/\/[^/]*$/, '/postgres') });
    await cleanup.connect();
    await cleanup.query(`drop database if exists "${name}" with (force)`);
    await cleanup.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
