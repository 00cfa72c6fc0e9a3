/**
 * The optimization phase's profiling: tier 0 (microbenchmark), tier 1 (full profile) on the host
 * that holds the candidate, the store of each profiled iteration, and how their failures read.
 */
import { ActivityCancellationType, ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { ProfileActivities } from '../activities/profile';
import type { FailedBenchmarkRun, FullProfileResult, MicrobenchmarkResult } from '../contracts/profile-types';
import type { ProfileHistoryActivities } from '../activities/profile-history';
import type { ResolvedTask } from '../policy/schemas/task-schema';
import type { CandidateContext } from './candidate';
import { fullProfileInputFor, microbenchmarkInputFor } from './host-inputs';

/** Profiling failures that end the phase (the best so far is kept): not the candidate's fault to retry. */
const PROFILE_STOPPERS = ['BenchmarkOutputMissing', 'ProfilerMissing', 'ProfileUnparsable'];

/** The candidate's failed benchmark run, when `error` is a `BenchmarkFailed` activity failure. */
export function failedBenchmark(error: unknown): FailedBenchmarkRun | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== 'BenchmarkFailed') return null;
  const run = cause.details?.[0] as Partial<FailedBenchmarkRun> | undefined;
  return {
    exitCode: run?.exitCode ?? null,
    signal: run?.signal ?? null,
    timedOut: run?.timedOut ?? false,
    output: run?.output ?? cause.message,
    limitKill: run?.limitKill ?? null,
  };
}

/** "Type: message" of a profiling failure that ends the phase, else null. */
export function profileStopper(error: unknown): string | null {
  if (!(error instanceof ActivityFailure)) return null;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type && PROFILE_STOPPERS.includes(cause.type)) return `${cause.type}: ${cause.message}`;
  return null;
}

/** One profiled iteration as it is stored (the `profiles` table, read by profileStats). */
export interface ProfiledIteration {
  iteration: number;
  attemptNo: number;
  model: string;
  tier: 0 | 1;
  rule: string;
  summary: string;
  score: number;
  timeMs: number;
  accepted: boolean;
}

export function profilingFor(ctx: CandidateContext, benchmark: NonNullable<ResolvedTask['benchmark']>) {
  const { task, config } = ctx;
  const profiler = (hostQueue: string) =>
    proxyActivities<ProfileActivities>({
      taskQueue: hostQueue,
      scheduleToStartTimeout: `${config.timeouts.host_pickup} seconds`,
      heartbeatTimeout: `${config.timeouts.heartbeat} seconds`,
      startToCloseTimeout: `${config.timeouts.profile + 60} seconds`,
      // A cancelled task ends only after the profiler's process group was killed.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      retry: {
        initialInterval: '1 second',
        maximumAttempts: config.retry_profile + 1,
        nonRetryableErrorTypes: [...PROFILE_STOPPERS, 'BenchmarkFailed', 'CandidateMissing', 'Cancelled'],
      },
    });
  const profileHistory = proxyActivities<ProfileHistoryActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 10, initialInterval: '1 second', maximumInterval: '30 seconds' },
  });
  return {
    microbenchmark: (hostQueue: string, runFolder: string, iteration: number, seed: number): Promise<MicrobenchmarkResult> =>
      profiler(hostQueue).microbenchmark.executeWithOptions({ summary: `iteration ${iteration}: tier 0 microbenchmark` }, [
        microbenchmarkInputFor(task, benchmark, config, runFolder, seed),
      ]),
    fullProfile: (
      hostQueue: string,
      runFolder: string,
      summary: string,
      seed: number,
      baselineInstructions: number | null,
    ): Promise<FullProfileResult> =>
      profiler(hostQueue).fullProfile.executeWithOptions({ summary }, [
        fullProfileInputFor(task, benchmark, config, runFolder, seed, baselineInstructions),
      ]),
    storeProfile: (entry: ProfiledIteration, bench: MicrobenchmarkResult, profile: FullProfileResult | null, scoreChange: number | null) =>
      profileHistory.recordProfile.executeWithOptions({ summary: `store profile: ${entry.summary}` }, [
        {
          taskId: task.id,
          workflowId: ctx.workflowId,
          workflowRunId: ctx.workflowRunId,
          attemptNo: entry.attemptNo,
          iteration: entry.iteration,
          domain: task.domain,
          model: entry.model,
          tier: entry.tier,
          rule: entry.rule,
          summary: entry.summary,
          score: entry.score,
          scoreChange,
          timeMs: entry.timeMs,
          accepted: entry.accepted,
          microbenchMs: bench.durationMs,
          fullProfileMs: profile?.durationMs ?? 0,
          tool: profile?.tool ?? null,
          fellBack: profile?.fellBack ?? null,
          profile: profile?.summary ?? null,
        },
      ]),
  };
}
