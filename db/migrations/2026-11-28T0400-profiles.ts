/**
 * Frozen. Two-tier profiling history (issue 4): one row per profiled iteration of an optimization
 * phase, with its tier, the decision, the measured durations and the metrics of a full profile.
 * `profileStats` (db/profiles-repository.ts) reads the guide's success figures from it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table profiles (
      id bigserial primary key,
      task_id text not null,
      workflow_id text not null,
      workflow_run_id text not null,
      attempt_no integer not null,
      iteration integer not null,
      domain text not null,
      model text not null,
      tier smallint not null check (tier in (0, 1)),
      rule text not null,
      summary text not null,
      score double precision not null,
      score_change double precision,
      time_ms double precision not null,
      accepted boolean not null,
      microbench_ms integer not null,
      full_profile_ms integer not null,
      tool text,
      fell_back text,
      kernel_name text,
      sm_throughput_pct double precision,
      memory_throughput_pct double precision,
      dram_throughput_pct double precision,
      achieved_occupancy_pct double precision,
      bottleneck text,
      top_rules jsonb,
      recorded_at timestamptz not null default now(),
      unique (workflow_run_id, iteration)
    )`.execute(db);
  await sql`create index profiles_task on profiles (task_id, recorded_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table profiles`.execute(db);
}
